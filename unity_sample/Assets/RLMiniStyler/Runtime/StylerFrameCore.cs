// The shared inference core of one stylised frame, for every render pipeline: camera image -> content
// tensor -> network -> stylised frame, the spreading of the network over N frames, and the motion
// reprojection of the last result in between. The pipelines differ only in how the calls run
// (IFrameCommands) and where the camera image and motion vectors come from: RLMiniStylerCamera's
// OnRenderImage (built-in) and RLMiniStylerRenderPass (URP) are the two adapters.
#if RLMINISTYLER_SENTIS_2_1
using Unity.Sentis;
#else
using Unity.InferenceEngine;
#endif
using System;
using System.Collections;
using UnityEngine;

namespace RLMiniStyler.Sample
{
    public sealed class StylerFrameCore : IDisposable
    {
        // Allocated when the frame or network size first is known, again only when one changes
        RenderTexture m_InputRT;        // network-sized copy of the camera image (sRGB-encoded values)
        RenderTexture m_ShownInputRT;   // reprojection: the input of the result being shown
        RenderTexture m_CurrentRT;      // reprojection: this frame, downscaled like an input
        RenderTexture m_HalfRT;         // intermediate for the 1/4 scale (two 2:1 box-filtered halvings)
        RenderTexture m_OutputRT;       // the network's output
        Tensor<float> m_Content;        // (1, 3, H, W) network input
        int m_Divisor = -1;
        MotionReprojection m_Reprojection;
        bool m_ReprojectionLoaded;

        IEnumerator m_Pending;
        int m_LayersDone;   // layers of the pending inference scheduled so far

        public int FrameWidth { get; private set; }
        public int FrameHeight { get; private set; }
        public int NetWidth { get; private set; }
        public int NetHeight { get; private set; }
        /// <summary>The equal share of layers a frame (used when the model's layer costs are unknown).</summary>
        public int LayersPerFrame { get; private set; }
        /// <summary>Layers the last frame scheduled (by cost or the equal share).</summary>
        public int LayersLastFrame { get; private set; }
        public bool HasResult { get; private set; }
        /// <summary>Frames since the inference in flight was captured (0 on its capture frame).</summary>
        public int FramesIntoInference { get; private set; }
        /// <summary>Whether the last frame shown was a reprojected one.</summary>
        public bool Reprojected { get; private set; }
        public Tensor<float> Content { get { return m_Content; } }
        public bool CanReproject { get { return Reprojection() != null; } }

        MotionReprojection Reprojection()
        {
            if (!m_ReprojectionLoaded)
            {
                m_ReprojectionLoaded = true;
                m_Reprojection = MotionReprojection.TryCreate();
            }
            return m_Reprojection;
        }

        /// <summary>The network's input size for this frame: the frame at 1/divisor, the static size of a
        /// --size export, or the whole frame for a model that downscales inside (internal_scale).</summary>
        public void EnsureResources(StylerSlot slot, int frameWidth, int frameHeight, int divisor, bool reproject)
        {
            if (slot == null)
                return;
            int netWidth, netHeight;
            slot.meta.NetworkSize(frameWidth, frameHeight, divisor, out netWidth, out netHeight);
            var same = m_Content != null && netWidth == NetWidth && netHeight == NetHeight &&
                       frameWidth == FrameWidth && frameHeight == FrameHeight && divisor == m_Divisor;
            if (same && (!reproject || m_CurrentRT != null || Reprojection() == null))
                return;

            ReleaseFrameResources();
            FrameWidth = frameWidth;
            FrameHeight = frameHeight;
            NetWidth = netWidth;
            NetHeight = netHeight;
            m_Divisor = divisor;
            m_InputRT = FrameTextures.Create(netWidth, netHeight, false, "RLMiniStyler input");
            if (frameWidth >= 3 * netWidth && !slot.meta.HasStaticSize)
                m_HalfRT = FrameTextures.Create(Mathf.Max(1, frameWidth / 2), Mathf.Max(1, frameHeight / 2), false,
                                                "RLMiniStyler half");
            m_OutputRT = FrameTextures.Create(netWidth, netHeight, true, "RLMiniStyler output");
            m_Content = new Tensor<float>(new TensorShape(1, 3, netHeight, netWidth));
            if (reproject && Reprojection() != null)
            {
                m_ShownInputRT = FrameTextures.Create(netWidth, netHeight, false, "RLMiniStyler shown input");
                m_CurrentRT = FrameTextures.Create(netWidth, netHeight, false, "RLMiniStyler current");
                m_Reprojection.EnsureSize(frameWidth, frameHeight);
            }
            HasResult = false;
        }

        /// <summary>Drops a half-scheduled inference (the model, step or style changed).</summary>
        public void Abandon()
        {
            m_Pending = null;
        }

        /// <summary>Stylises one frame. `motion` (may be None) is the camera's motion vectors, used when
        /// framesPerInference > 1 and reproject is set; `sourceFlipped` says that `source` is upside down
        /// against blitted textures (see MotionReprojection.Dispatch). Returns the texture to show: the
        /// network output, the reprojected frame, or `source` while there is no result yet.</summary>
        public Texture Render(IFrameCommands cmd, StylerSlot slot, Texture source, MotionSource motion, bool sourceFlipped,
                              int framesPerInference, bool reproject, float threshold)
        {
            Reprojected = false;
            if (framesPerInference <= 1)
            {
                m_Pending = null;
                FramesIntoInference = 0;
                Capture(cmd, source, m_InputRT);
                cmd.ToTensor(m_InputRT, m_Content);
                slot.Bind(m_Content);
                cmd.Schedule(slot.ActiveWorker);
                cmd.RenderToTexture(slot.Output(), m_OutputRT);
                HasResult = true;
                return m_OutputRT;
            }

            var reprojecting = reproject && motion.IsSet && m_CurrentRT != null;
            var captured = false;
            if (m_Pending == null)
            {
                Capture(cmd, source, m_InputRT);
                cmd.ToTensor(m_InputRT, m_Content);
                slot.Bind(m_Content);
                m_Pending = cmd.ScheduleIterable(slot.ActiveWorker);
                // +1: the enumerator reports the end one MoveNext after the last layer
                LayersPerFrame = Mathf.Max(1, Mathf.CeilToInt((slot.ActiveLayerCount + 1) / (float)framesPerInference));
                FramesIntoInference = 0;
                m_LayersDone = 0;
                captured = true;
            }
            else
            {
                cmd.ContinueIterable(slot.ActiveWorker);
                FramesIntoInference++;
            }
            var completed = false;
            var budget = LayerSpread.LayersThisFrame(slot.ActiveLayerCosts, m_LayersDone, FramesIntoInference,
                                                     framesPerInference, LayersPerFrame);
            LayersLastFrame = 0;
            for (var i = 0; i < budget; i++)
            {
                if (m_Pending.MoveNext())
                {
                    m_LayersDone++;
                    LayersLastFrame++;
                    continue;
                }
                m_Pending = null;
                cmd.RenderToTexture(slot.Output(), m_OutputRT);
                HasResult = true;
                completed = true;
                break;
            }
            var current = m_InputRT;   // on a capture frame the input is this frame, downscaled
            if (completed && m_ShownInputRT != null)
            {
                // The finished result's input becomes the shown one; the next capture reuses the other.
                m_InputRT = m_ShownInputRT;
                m_ShownInputRT = current;
            }
            // A frame without motion vectors leaves the chains a frame behind; the colour test then
            // rejects what that misplaces.
            if (!reprojecting)
                return HasResult ? m_OutputRT : source;
            if (!captured)
            {
                current = m_CurrentRT;
                Capture(cmd, source, m_CurrentRT);
            }
            m_Reprojection.Dispatch(cmd, source, motion, m_OutputRT, m_ShownInputRT, current, captured, completed,
                                    sourceFlipped, threshold);
            if (!HasResult)
                return source;
            Reprojected = true;
            return m_Reprojection.Output;
        }

        void Capture(IFrameCommands cmd, Texture source, RenderTexture into)
        {
            // Downscale with bilinear blits (2:1 steps average 2x2 pixels), encode to sRGB, clamp HDR.
            if (m_HalfRT != null)
            {
                cmd.Blit(source, m_HalfRT);
                cmd.Blit(m_HalfRT, into);
            }
            else
            {
                cmd.Blit(source, into);
            }
        }

        public void ReleaseFrameResources()
        {
            m_Pending = null;
            HasResult = false;
            FrameTextures.Release(ref m_InputRT);
            FrameTextures.Release(ref m_ShownInputRT);
            FrameTextures.Release(ref m_CurrentRT);
            FrameTextures.Release(ref m_HalfRT);
            FrameTextures.Release(ref m_OutputRT);
            if (m_Reprojection != null)
                m_Reprojection.Release();
            if (m_Content != null)
                m_Content.Dispose();
            m_Content = null;
        }

        public void Dispose()
        {
            ReleaseFrameResources();
        }
    }
}
