// URP adapter, part 3: the frame's copies with SRP Core's Blitter (what URP 17 expects in a pass: it keeps
// the render target state URP tracks and handles XR texture arrays), on RTHandles that wrap the textures.
using System.Collections.Generic;
using UnityEngine;
using UnityEngine.Rendering;

namespace RLMiniStyler.Sample
{
    public sealed class BlitterFrameCommands : CommandBufferFrameCommands
    {
        // A wrapper per texture, made the first time it is copied: the sample's textures change only when
        // the frame or network size does, URP's camera colour alternates between two.
        const int MaxWrapped = 8;
        readonly Dictionary<Texture, RTHandle> m_Handles = new Dictionary<Texture, RTHandle>();

        public RTHandle Wrap(Texture texture)
        {
            RTHandle handle;
            if (m_Handles.TryGetValue(texture, out handle))
                return handle;
            if (m_Handles.Count >= MaxWrapped)
                Release();   // the textures were re-created (a resize): drop the stale wrappers
            handle = RTHandles.Alloc(texture);
            m_Handles.Add(texture, handle);
            return handle;
        }

        public override void Blit(Texture source, RenderTexture destination)
        {
            CopyTo(source, Wrap(destination));
        }

        /// <summary>Bilinear copy of `source` over the whole of `destination`.</summary>
        public void CopyTo(Texture source, RTHandle destination)
        {
            Blitter.BlitCameraTexture(cmd, Wrap(source), destination, 0f, true);
        }

        /// <summary>Releases the wrappers only (the textures belong to the sample and to URP).</summary>
        public void Release()
        {
            foreach (var handle in m_Handles.Values)
                handle.Release();
            m_Handles.Clear();
        }
    }
}
