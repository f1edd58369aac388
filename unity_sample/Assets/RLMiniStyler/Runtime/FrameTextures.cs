#if RLMINISTYLER_SENTIS_2_1
using Unity.Sentis;
#else
using Unity.InferenceEngine;
#endif
using UnityEngine;

namespace RLMiniStyler.Sample
{
    /// <summary>Render textures that hold what the network sees and writes.
    ///
    /// The network works on sRGB-encoded values in 0..1 (what an image file holds). In a Linear colour
    /// space project the textures are sRGB: a blit into them encodes the linear camera image, ToTensor
    /// (which sees an sRGB texture) hands the encoded values to the network, and sampling the output
    /// texture decodes the network's values back to linear. In a Gamma project every texture already
    /// holds encoded values and no conversion happens.</summary>
    public static class FrameTextures
    {
        /// <summary>Why the inference package in use cannot hand the network the right colours in this project,
        /// or null. Sentis 2.1's TextureConverter reads an sRGB texture as linear values (Inference Engine 2.2
        /// added the re-encoding) and writes one without 2.2's Apple-GPU correction; in a Gamma project no
        /// texture is sRGB, so neither applies.</summary>
        public static string ColourProblem
        {
            get
            {
#if RLMINISTYLER_SENTIS_2_1
                if (QualitySettings.activeColorSpace == ColorSpace.Linear)
                    return "Sentis 2.1 in a Linear colour-space project would give the network linear colour values " +
                           "(its TextureConverter has no sRGB re-encoding): use com.unity.ai.inference 2.2 or later, " +
                           "or a Gamma colour-space project (unity_sample/README.md)";
#endif
                return null;
            }
        }

        /// <summary>sRGB read/write in a Linear project; no conversion in a Gamma project.</summary>
        public static RenderTextureReadWrite ColorConversion
        {
            get
            {
                return QualitySettings.activeColorSpace == ColorSpace.Linear
                    ? RenderTextureReadWrite.sRGB
                    : RenderTextureReadWrite.Linear;
            }
        }

        public static RenderTexture Create(int width, int height, bool randomWrite, string name)
        {
            var rt = new RenderTexture(width, height, 0, RenderTextureFormat.ARGB32, ColorConversion);
            rt.name = name;
            rt.filterMode = FilterMode.Bilinear;
            rt.wrapMode = TextureWrapMode.Clamp;
            rt.enableRandomWrite = randomWrite;   // TextureConverter.RenderToTexture writes from a compute shader
            rt.Create();
            return rt;
        }

        public static void Release(ref RenderTexture rt)
        {
            if (rt == null)
                return;
            rt.Release();
            if (Application.isPlaying)
                Object.Destroy(rt);
            else
                Object.DestroyImmediate(rt);
            rt = null;
        }

        /// <summary>Resizes `source` to width x height (halving with bilinear blits first, so a large
        /// image is averaged rather than point-sampled) and converts it into `tensor` (1, 3, height, width).
        /// Used for style images, once per style change.</summary>
        public static void ToTensorDownscaled(Texture source, Tensor<float> tensor, int width, int height)
        {
            Texture from = source;
            RenderTexture halved = null;
            var w = source.width;
            var h = source.height;
            while (w / 2 >= width && h / 2 >= height)
            {
                w /= 2;
                h /= 2;
                var next = RenderTexture.GetTemporary(w, h, 0, RenderTextureFormat.ARGB32, ColorConversion);
                next.filterMode = FilterMode.Bilinear;
                Graphics.Blit(from, next);
                if (halved != null)
                    RenderTexture.ReleaseTemporary(halved);
                halved = next;
                from = next;
            }
            var exact = RenderTexture.GetTemporary(width, height, 0, RenderTextureFormat.ARGB32, ColorConversion);
            Graphics.Blit(from, exact);
            TextureConverter.ToTensor(exact, tensor, new TextureTransform());
            RenderTexture.ReleaseTemporary(exact);
            if (halved != null)
                RenderTexture.ReleaseTemporary(halved);
        }
    }
}
