// URP adapter, part 2: the pass. It hands the camera colour and motion vectors to
// RLMiniStylerCamera.RenderFrame (StylerFrameCore) with a BlitterFrameCommands, so the network is
// recorded into the frame's command buffer, and copies the result back into the camera colour. Every
// frame of the camera is reported to the component (NoteFrameRendered), with the effect on or off, so
// the readout measures both.
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
            public TextureHandle depth;
            public bool hasMotion;
            public bool hasDepth;
            public BlitterFrameCommands commands;
        }

        const string RenderGraphLabel = "URP Render Graph";
        const string CompatibilityLabel = "URP compatibility mode";
        static readonly BaseRenderFunc<PassData, UnsafeGraphContext> s_Execute = ExecuteRenderGraph;
        readonly BlitterFrameCommands m_Commands = new BlitterFrameCommands();
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
            // Motion vectors cost a pass of their own: ask for them only while they are used.
            // (and the depth, to dilate them to the nearest surface)
            ConfigureInput(styler.NeedsMotionVectors
                ? ScriptableRenderPassInput.Motion | ScriptableRenderPassInput.Depth
                : ScriptableRenderPassInput.None);
        }

        /// <summary>Releases the texture wrappers (the feature calls it when it is disposed).</summary>
        public void Dispose()
        {
            m_Commands.Release();
        }

        bool Usable(string pipeline)
        {
            if (m_Styler == null)
                return false;
            m_Styler.NoteFrameRendered(pipeline);
            if (!m_Styler.IsStylizing)
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
            if (!Usable(RenderGraphLabel))
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
                data.depth = resources.cameraDepthTexture;
                data.hasMotion = m_Styler.NeedsMotionVectors && data.motion.IsValid();
                data.hasDepth = data.hasMotion && data.depth.IsValid();
                builder.UseTexture(data.color, AccessFlags.ReadWrite);
                if (data.hasMotion)
                    builder.UseTexture(data.motion, AccessFlags.Read);
                if (data.hasDepth)
                    builder.UseTexture(data.depth, AccessFlags.Read);
                builder.AllowPassCulling(false);
                builder.SetRenderFunc(s_Execute);
            }
        }

        static void ExecuteRenderGraph(PassData data, UnsafeGraphContext context)
        {
            var cmd = CommandBufferHelpers.GetNativeCommandBuffer(context.cmd);
            data.commands.cmd = cmd;
            Texture color = data.color;
            var motion = data.hasMotion
                ? MotionSource.Of(CameraTexture.FromTexture(data.motion),
                                  data.hasDepth ? CameraTexture.FromTexture(data.depth) : new CameraTexture())
                : MotionSource.None;
            Texture result;
            if (data.styler.RenderFrame(data.commands, color, motion, false, out result) && result != color)
                data.commands.CopyTo(result, data.color);
        }

#if URP_COMPATIBILITY_MODE || !UNITY_6000_3_OR_NEWER
#pragma warning disable 618, 672 // URP 17 marks the compatibility-mode API obsolete (a warning); it is the path there
        static readonly int s_MotionVectorTexture = Shader.PropertyToID("_MotionVectorTexture");
        static readonly int s_CameraDepthTexture = Shader.PropertyToID("_CameraDepthTexture");

        public override void Execute(ScriptableRenderContext context, ref RenderingData renderingData)
        {
            if (!Usable(CompatibilityLabel))
                return;
            var colorHandle = renderingData.cameraData.renderer.cameraColorTargetHandle;
            Texture color = colorHandle != null ? colorHandle.rt : null;
            if (color == null)
            {
                m_Styler.ReportProblem("URP compatibility mode: the camera colour is not a texture");
                return;
            }
            // URP's motion-vector pass sets this global from its own command buffer, which runs before this
            // one but after this method: bound by name, it is read when the dispatch runs.
            var motion = m_Styler.NeedsMotionVectors
                ? MotionSource.Of(CameraTexture.FromGlobal(s_MotionVectorTexture), CameraTexture.FromGlobal(s_CameraDepthTexture))
                : MotionSource.None;
            var cmd = CommandBufferPool.Get(PassName);
            m_Commands.cmd = cmd;
            Texture result;
            if (m_Styler.RenderFrame(m_Commands, color, motion, false, out result) && result != color)
                m_Commands.CopyTo(result, colorHandle);
            context.ExecuteCommandBuffer(cmd);
            CommandBufferPool.Release(cmd);
        }
#pragma warning restore 618, 672
#endif
    }
}
