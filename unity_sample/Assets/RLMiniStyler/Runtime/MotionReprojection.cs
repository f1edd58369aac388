// Binds and dispatches Resources/RLMiniStylerReprojection.compute: the last network result warped to
// the current frame by the motion vectors, with the disocclusion fallback. Its textures are made
// once per frame size; a frame allocates nothing.
using UnityEngine;

namespace RLMiniStyler.Sample
{
    /// <summary>A camera texture the kernel reads: one the pipeline hands over (URP Render Graph) or a global
    /// texture property that a command buffer sets before the dispatch runs (built-in, URP compatibility
    /// mode). A global is bound by name (ComputeShader.SetTextureFromGlobal) and read when the dispatch
    /// executes, not when it is recorded.</summary>
    public struct CameraTexture
    {
        public Texture texture;
        public int globalNameID;
        public bool fromGlobal;

        public bool IsSet { get { return fromGlobal || texture != null; } }
        public static CameraTexture FromTexture(Texture texture) { return new CameraTexture { texture = texture }; }
        public static CameraTexture FromGlobal(int nameID) { return new CameraTexture { globalNameID = nameID, fromGlobal = true }; }
    }

    /// <summary>This frame's motion vectors and, when the pipeline has it, the camera's depth (for dilating
    /// the motion vectors to the nearest surface).</summary>
    public struct MotionSource
    {
        public CameraTexture vectors;
        public CameraTexture depth;

        public bool IsSet { get { return vectors.IsSet; } }
        public static MotionSource None { get { return new MotionSource(); } }
        public static MotionSource Of(CameraTexture vectors, CameraTexture depth) { return new MotionSource { vectors = vectors, depth = depth }; }
    }

    public sealed class MotionReprojection
    {
        // _Flags bits (the kernel and tests/test_unity_reprojection.py use the same values)
        public const int Captured = 1;        // an inference was captured this frame
        public const int Completed = 2;       // one completed this frame
        public const int SourceFlipped = 4;   // _Source is upside down against the other textures
        public const int Reset = 8;           // the displacement textures are new: their contents are undefined
        public const int DilateToNearestDepth = 16;
        public const int ReversedZ = 32;      // depth 1 is near (Direct3D 11+, Metal, Vulkan, consoles)

        public const string ShaderResource = "RLMiniStylerReprojection";

        static readonly int s_Source = Shader.PropertyToID("_Source");
        static readonly int s_MotionVectors = Shader.PropertyToID("_MotionVectors");
        static readonly int s_Depth = Shader.PropertyToID("_Depth");
        static readonly int s_PreviousDisplacement = Shader.PropertyToID("_PreviousDisplacement");
        static readonly int s_Stylised = Shader.PropertyToID("_Stylised");
        static readonly int s_ShownCapture = Shader.PropertyToID("_ShownCapture");
        static readonly int s_CurrentSmall = Shader.PropertyToID("_CurrentSmall");
        static readonly int s_Displacement = Shader.PropertyToID("_Displacement");
        static readonly int s_Output = Shader.PropertyToID("_Output");
        static readonly int s_FrameSize = Shader.PropertyToID("_FrameSize");
        static readonly int s_Settings = Shader.PropertyToID("_Settings");
        static readonly int s_Flags = Shader.PropertyToID("_Flags");

        readonly ComputeShader m_Shader;
        readonly int m_Kernel;
        RenderTexture m_Previous, m_Next;   // displacement ping-pong
        RenderTexture m_Output;
        int m_Width, m_Height;
        bool m_Fresh;

        MotionReprojection(ComputeShader shader)
        {
            m_Shader = shader;
            m_Kernel = shader.FindKernel("Reproject");
        }

        /// <summary>Null where compute shaders are missing or the shader is not in the build.</summary>
        public static MotionReprojection TryCreate()
        {
            if (!SystemInfo.supportsComputeShaders)
                return null;
            var shader = Resources.Load<ComputeShader>(ShaderResource);
            return shader != null ? new MotionReprojection(shader) : null;
        }

        public RenderTexture Output { get { return m_Output; } }

        public void EnsureSize(int width, int height)
        {
            if (m_Output != null && width == m_Width && height == m_Height)
                return;
            Release();
            m_Width = width;
            m_Height = height;
            m_Previous = Create(width, height, RenderTextureFormat.ARGBHalf, "RLMiniStyler displacement A");
            m_Next = Create(width, height, RenderTextureFormat.ARGBHalf, "RLMiniStyler displacement B");
            m_Output = Create(width, height, RenderTextureFormat.ARGBHalf, "RLMiniStyler reprojected");
            m_Fresh = true;
        }

        static RenderTexture Create(int width, int height, RenderTextureFormat format, string name)
        {
            // Linear (no sRGB conversion): displacements are data, and the output holds the camera's values.
            var rt = new RenderTexture(width, height, 0, format, RenderTextureReadWrite.Linear);
            rt.name = name;
            rt.enableRandomWrite = true;
            rt.filterMode = FilterMode.Bilinear;
            rt.wrapMode = TextureWrapMode.Clamp;
            rt.Create();
            return rt;
        }

        /// <summary>Records one reprojection: updates the displacement chains and writes Output.
        /// `sourceFlipped`: the built-in pipeline's OnRenderImage source under MSAA on Direct3D and Metal, which
        /// Unity leaves upside down while every blitted texture is upright.</summary>
        public void Dispatch(IFrameCommands cmd, Texture source, MotionSource motion, Texture stylised, Texture shownCapture,
                             Texture currentSmall, bool captured, bool completed, bool sourceFlipped, float threshold)
        {
            cmd.SetTexture(m_Shader, m_Kernel, s_Source, source);
            Bind(cmd, s_MotionVectors, motion.vectors);
            var dilate = motion.depth.IsSet;
            Bind(cmd, s_Depth, dilate ? motion.depth : motion.vectors);   // unread without the flag, but bound
            cmd.SetTexture(m_Shader, m_Kernel, s_PreviousDisplacement, m_Previous);
            cmd.SetTexture(m_Shader, m_Kernel, s_Stylised, stylised);
            cmd.SetTexture(m_Shader, m_Kernel, s_ShownCapture, shownCapture);
            cmd.SetTexture(m_Shader, m_Kernel, s_CurrentSmall, currentSmall);
            cmd.SetTexture(m_Shader, m_Kernel, s_Displacement, m_Next);
            cmd.SetTexture(m_Shader, m_Kernel, s_Output, m_Output);
            cmd.SetVector(m_Shader, s_FrameSize, new Vector4(m_Width, m_Height, 1f / m_Width, 1f / m_Height));
            cmd.SetVector(m_Shader, s_Settings, new Vector4(threshold, 0f, 0f, 0f));
            cmd.SetInt(m_Shader, s_Flags, (captured ? Captured : 0) | (completed ? Completed : 0) |
                                          (sourceFlipped ? SourceFlipped : 0) | (m_Fresh ? Reset : 0) |
                                          (dilate ? DilateToNearestDepth : 0) |
                                          (SystemInfo.usesReversedZBuffer ? ReversedZ : 0));
            m_Fresh = false;
            cmd.Dispatch(m_Shader, m_Kernel, (m_Width + 7) / 8, (m_Height + 7) / 8);
            var written = m_Next;
            m_Next = m_Previous;
            m_Previous = written;
        }

        void Bind(IFrameCommands cmd, int nameID, CameraTexture texture)
        {
            if (texture.fromGlobal)
                m_Shader.SetTextureFromGlobal(m_Kernel, nameID, texture.globalNameID);
            else
                cmd.SetTexture(m_Shader, m_Kernel, nameID, texture.texture);
        }

        public void Release()
        {
            FrameTextures.Release(ref m_Previous);
            FrameTextures.Release(ref m_Next);
            FrameTextures.Release(ref m_Output);
            m_Width = m_Height = 0;
        }
    }
}
