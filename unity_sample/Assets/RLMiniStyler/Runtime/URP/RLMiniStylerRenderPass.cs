// URP adapter, part 2: the pass. It hands the camera colour and motion-vector textures to
// RLMiniStylerCamera.RenderFrame (StylerFrameCore) with a CommandBufferFrameCommands, so the network
// is recorded into the frame's command buffer, and copies the result back into the camera colour.
//   Render Graph (Unity 6 default): RecordRenderGraph adds one unsafe pass.
//   Compatibility mode (Render Graph off; Unity 6.0-6.2, or 6.3+ with URP_COMPATIBILITY_MODE): Execute.
#if RLMINISTYLER_SENTIS_2_1
using Unity.Sentis;
#else
using Unity.InferenceEngine;
#endif
using UnityEngine;
using UnityEngine.Rendering;
using UnityEngine.Rendering.RenderGraphModule;
using UnityEngine.Rendering.Universal;

namespace RLMiniStyler.Sample
{
    public sealed class RLMiniStylerRenderPass : ScriptableRenderPass
    {
        const string PassName = "RLMiniStyler";
        const string NeedsGPUCompute = "URP: the network is recorded into the render pipeline's command buffer, " +
                                       "which Inference Engine supports on the GPUCompute backend only";

        class PassData
        {
            public RLMiniStylerCamera styler;
            public TextureHandle color;
            public TextureHandle motion;
            public bool hasMotion;
            public CommandBufferFrameCommands commands;
        }

        static readonly BaseRenderFunc<PassData, UnsafeGraphContext> s_Execute = ExecuteRenderGraph;
        readonly CommandBufferFrameCommands m_Commands = new CommandBufferFrameCommands();
        RLMiniStylerCamera m_Styler;

        public RLMiniStylerRenderPass()
        {
            profilingSampler = new ProfilingSampler(PassName);
            // The pass reads and writes the camera colour: keep it in a texture, not the back buffer.
            requiresIntermediateTexture = true;
        }

        public void Setup(RLMiniStylerCamera styler, RenderPassEvent injectionPoint)
        {
            m_Styler = styler;
            renderPassEvent = injectionPoint;
            ConfigureInput(styler.WantsReprojection ? ScriptableRenderPassInput.Motion : ScriptableRenderPassInput.None);
        }

        bool Usable()
        {
            if (m_Styler == null || !m_Styler.IsStylizing)
                return false;
            if (m_Styler.backend != BackendType.GPUCompute)
            {
                m_Styler.ReportProblem(NeedsGPUCompute);
                return false;
            }
            return true;
        }

        public override void RecordRenderGraph(RenderGraph renderGraph, ContextContainer frameData)
        {
            if (!Usable())
                return;
            var resources = frameData.Get<UniversalResourceData>();
            if (resources.isActiveTargetBackBuffer)
            {
                m_Styler.ReportProblem("URP: the camera renders straight to the back buffer; the pass needs an intermediate texture");
                return;
            }
            PassData data;
            using (var builder = renderGraph.AddUnsafePass<PassData>(PassName, out data, profilingSampler))
            {
                data.styler = m_Styler;
                data.commands = m_Commands;
                data.color = resources.activeColorTexture;
                data.motion = resources.motionVectorColor;
                data.hasMotion = m_Styler.WantsReprojection && data.motion.IsValid();
                builder.UseTexture(data.color, AccessFlags.ReadWrite);
                if (data.hasMotion)
                    builder.UseTexture(data.motion, AccessFlags.Read);
                builder.AllowPassCulling(false);
                builder.SetRenderFunc(s_Execute);
            }
        }

        static void ExecuteRenderGraph(PassData data, UnsafeGraphContext context)
        {
            var cmd = CommandBufferHelpers.GetNativeCommandBuffer(context.cmd);
            data.commands.cmd = cmd;
            Texture color = data.color;
            var motion = data.hasMotion ? (Texture)data.motion : null;
            Texture result;
            if (data.styler.RenderFrame(data.commands, color, motion, "URP Render Graph", out result) && result != color)
                cmd.Blit(result, data.color);
        }

#if URP_COMPATIBILITY_MODE || !UNITY_6000_3_OR_NEWER
#pragma warning disable 618, 672 // URP 17 marks the compatibility-mode API obsolete (a warning); it is the path there
        static readonly int s_MotionVectorTexture = Shader.PropertyToID("_MotionVectorTexture");

        public override void Execute(ScriptableRenderContext context, ref RenderingData renderingData)
        {
            if (!Usable())
                return;
            var colorHandle = renderingData.cameraData.renderer.cameraColorTargetHandle;
            Texture color = colorHandle != null ? colorHandle.rt : null;
            if (color == null)
            {
                m_Styler.ReportProblem("URP compatibility mode: the camera colour is not a texture");
                return;
            }
            var motion = m_Styler.WantsReprojection ? Shader.GetGlobalTexture(s_MotionVectorTexture) : null;
            var cmd = CommandBufferPool.Get(PassName);
            m_Commands.cmd = cmd;
            Texture result;
            if (m_Styler.RenderFrame(m_Commands, color, motion, "URP compatibility mode", out result) && result != color)
                cmd.Blit(result, colorHandle);
            context.ExecuteCommandBuffer(cmd);
            CommandBufferPool.Release(cmd);
        }
#pragma warning restore 618, 672
#endif
    }
}
