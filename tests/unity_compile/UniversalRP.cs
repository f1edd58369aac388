// COMPILE-CHECK SCAFFOLDING, NEVER SHIPPED INTO THE UNITY PROJECT (see README.md in this folder).
// The part of the Universal Render Pipeline 17 (Unity 6) and of the SRP Core render graph that the
// sample's renderer feature uses, with the signatures of the package sources
// (com.unity.render-pipelines.universal 17.x: Runtime/ScriptableRendererFeature.cs,
// Runtime/Passes/ScriptableRenderPass.cs, Runtime/FrameData/UniversalResourceData.cs,
// UniversalCameraData.cs; com.unity.render-pipelines.core 17.x: Runtime/RenderGraph/RenderGraph.cs,
// RenderGraphResourceTexture.cs, IRenderGraphBuilder.cs, Runtime/CommandBuffers/CommandBufferHelpers.cs,
// Runtime/Common/ContextContainer.cs, Runtime/Utilities/Blitter.cs, Runtime/Textures/RTHandles.cs). Bodies do nothing.
//
// Two flavours, chosen by the compile check:
//   default                  Unity 6.3+ without URP_COMPATIBILITY_MODE: Render Graph only; the
//                            compatibility-mode members (Execute, cameraColorTargetHandle) do not exist
//   STUB_URP_COMPATIBILITY   Unity 6.0 .. 6.2 (or URP_COMPATIBILITY_MODE): those members exist and are
//                            [Obsolete] with a warning, as in the package
using System;
using System.Runtime.CompilerServices;
using UnityEngine.Rendering.RenderGraphModule;

namespace UnityEngine.Rendering
{
    public class RTHandle
    {
        public RenderTexture rt { get { return null; } }
        public void Release() { }
        public static implicit operator RenderTargetIdentifier(RTHandle handle) { return new RenderTargetIdentifier(); }
        public static implicit operator Texture(RTHandle handle) { return null; }
    }

    public static class RTHandles
    {
        public static RTHandle Alloc(Texture tex) { return null; }
        public static RTHandle Alloc(RenderTexture tex, bool transferOwnership = false) { return null; }
        public static void Release(RTHandle rth) { }
    }

    public static class Blitter
    {
        public static void BlitTexture(CommandBuffer cmd, RTHandle source, Vector4 scaleBias, float mipLevel, bool bilinear) { }
        public static void BlitCameraTexture(CommandBuffer cmd, RTHandle source, RTHandle destination, float mipLevel = 0.0f, bool bilinear = false) { }
        public static void BlitCameraTexture(CommandBuffer cmd, RTHandle source, RTHandle destination, Vector4 scaleBias, float mipLevel = 0.0f, bool bilinear = false) { }
    }

    public abstract class ContextItem
    {
        public abstract void Reset();
    }

    public class ContextContainer : IDisposable
    {
        public T Get<T>() where T : ContextItem, new() { return null; }
        public bool Contains<T>() where T : ContextItem, new() { return false; }
        public void Dispose() { }
    }

    public class BaseCommandBuffer
    {
        public string name { get { return null; } }
    }

    public class UnsafeCommandBuffer : BaseCommandBuffer { }

    public static class CommandBufferHelpers
    {
        public static CommandBuffer GetNativeCommandBuffer(UnsafeCommandBuffer baseBuffer) { return null; }
    }

    public static class CommandBufferPool
    {
        public static CommandBuffer Get() { return null; }
        public static CommandBuffer Get(string name) { return null; }
        public static void Release(CommandBuffer buffer) { }
    }
}

namespace UnityEngine.Rendering.RenderGraphModule
{
    [Flags]
    public enum AccessFlags { None = 0, Read = 1, Write = 2, Discard = 4, WriteAll = Write | Discard, ReadWrite = Read | Write }

    public struct TextureHandle
    {
        public static TextureHandle nullHandle { get { return new TextureHandle(); } }
        public bool IsValid() { return false; }
        public static implicit operator RenderTargetIdentifier(TextureHandle texture) { return new RenderTargetIdentifier(); }
        public static implicit operator Texture(TextureHandle texture) { return null; }
        public static implicit operator RenderTexture(TextureHandle texture) { return null; }
        public static implicit operator RTHandle(TextureHandle texture) { return null; }
    }

    public delegate void BaseRenderFunc<PassData, ContextType>(PassData data, ContextType renderGraphContext) where PassData : class, new();

    public class UnsafeGraphContext
    {
        public UnsafeCommandBuffer cmd;
    }

    public interface IBaseRenderGraphBuilder : IDisposable
    {
        void UseTexture(in TextureHandle input, AccessFlags flags = AccessFlags.Read);
        void AllowPassCulling(bool value);
        void AllowGlobalStateModification(bool value);
    }

    public interface IUnsafeRenderGraphBuilder : IBaseRenderGraphBuilder
    {
        void SetRenderFunc<PassData>(BaseRenderFunc<PassData, UnsafeGraphContext> renderFunc) where PassData : class, new();
    }

    public class RenderGraph
    {
        public IUnsafeRenderGraphBuilder AddUnsafePass<PassData>(string passName, out PassData passData,
                                                                 [CallerFilePath] string file = "",
                                                                 [CallerLineNumber] int line = 0) where PassData : class, new()
        {
            passData = null;
            return null;
        }

        public IUnsafeRenderGraphBuilder AddUnsafePass<PassData>(string passName, out PassData passData, ProfilingSampler sampler,
                                                                 [CallerFilePath] string file = "",
                                                                 [CallerLineNumber] int line = 0) where PassData : class, new()
        {
            passData = null;
            return null;
        }
    }
}

namespace UnityEngine.Rendering.Universal
{
    public enum RenderPassEvent
    {
        BeforeRendering = 0, BeforeRenderingShadows = 50, AfterRenderingShadows = 100, BeforeRenderingPrePasses = 150,
        AfterRenderingPrePasses = 200, BeforeRenderingGbuffer = 210, AfterRenderingGbuffer = 220,
        BeforeRenderingDeferredLights = 230, AfterRenderingDeferredLights = 240, BeforeRenderingOpaques = 250,
        AfterRenderingOpaques = 300, BeforeRenderingSkybox = 350, AfterRenderingSkybox = 400,
        BeforeRenderingTransparents = 450, AfterRenderingTransparents = 500, BeforeRenderingPostProcessing = 550,
        AfterRenderingPostProcessing = 600, AfterRendering = 1000,
    }

    [Flags]
    public enum ScriptableRenderPassInput { None = 0, Depth = 1, Normal = 2, Color = 4, Motion = 8 }

    public struct CameraData
    {
        public Camera camera;
        public CameraType cameraType { get { return CameraType.Game; } }
        public ScriptableRenderer renderer;
    }

    public struct RenderingData
    {
        public CameraData cameraData;
    }

    public abstract class ScriptableRenderer
    {
        public void EnqueuePass(ScriptableRenderPass pass) { }
#if STUB_URP_COMPATIBILITY
        [Obsolete("This rendering path is for compatibility mode only (when Render Graph is disabled). Use Render Graph API instead.", false)]
        public RTHandle cameraColorTargetHandle { get { return null; } }
#endif
    }

    public abstract class ScriptableRenderPass
    {
        public RenderPassEvent renderPassEvent { get; set; }
        public ProfilingSampler profilingSampler { get; set; }
        public bool requiresIntermediateTexture { get; set; }
        internal ScriptableRenderPassInput m_Input = ScriptableRenderPassInput.None;   // as URP keeps it
        public void ConfigureInput(ScriptableRenderPassInput passInput) { m_Input = passInput; }
        public virtual void RecordRenderGraph(RenderGraph renderGraph, ContextContainer frameData) { }
#if STUB_URP_COMPATIBILITY
        [Obsolete("This rendering path is for compatibility mode only (when Render Graph is disabled). Use Render Graph API instead.", false)]
        public virtual void Execute(ScriptableRenderContext context, ref RenderingData renderingData) { }
#endif
    }

    public abstract class ScriptableRendererFeature : ScriptableObject, IDisposable
    {
        public bool isActive { get { return true; } }
        public void SetActive(bool active) { }
        public abstract void Create();
        public abstract void AddRenderPasses(ScriptableRenderer renderer, ref RenderingData renderingData);
        public virtual void SetupRenderPasses(ScriptableRenderer renderer, in RenderingData renderingData) { }
        public void Dispose() { }
        protected virtual void Dispose(bool disposing) { }
    }

    public class UniversalResourceData : ContextItem
    {
        public TextureHandle activeColorTexture { get { return new TextureHandle(); } }
        public TextureHandle cameraColor { get { return new TextureHandle(); } }
        public TextureHandle cameraDepthTexture { get { return new TextureHandle(); } }
        public TextureHandle motionVectorColor { get { return new TextureHandle(); } }
        public TextureHandle motionVectorDepth { get { return new TextureHandle(); } }
        public bool isActiveTargetBackBuffer { get { return false; } }
        public override void Reset() { }
    }

    public class UniversalCameraData : ContextItem
    {
        public Camera camera;
        public CameraType cameraType { get { return CameraType.Game; } }
        public override void Reset() { }
    }

    public class UniversalRenderPipelineAsset : RenderPipelineAsset { }

    public class UniversalRendererData : ScriptableObject { }
}
