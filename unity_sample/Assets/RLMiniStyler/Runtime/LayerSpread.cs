// Spreading one inference over N frames (Frames Per Inference): how many layers each frame schedules.
// By cost when the sidecar lists each convolution's multiply-accumulates (conv_macs, counted by the
// exporter in graph order: Inference Engine keeps one Conv layer per ONNX Conv in that order, and a model
// cut at an earlier step keeps a prefix of them); else an equal count of layers a frame. Convolutions are
// all but a sliver of the arithmetic, so the other layers count as free. The NumPy reference is in
// tests/test_unity_harness.py.
#if RLMINISTYLER_SENTIS_2_1
using Unity.Sentis;
#else
using Unity.InferenceEngine;
#endif
using UnityEngine;

namespace RLMiniStyler.Sample
{
    public static class LayerSpread
    {
        /// <summary>The cost of the model's layers up to and including each one, in schedule order; null when
        /// the sidecar lists no costs or fewer convolutions than the model has (another export's sidecar).</summary>
        public static float[] CumulativeCosts(Model model, float[] convMacs)
        {
            if (model == null || convMacs == null || convMacs.Length == 0)
                return null;
            var cumulative = new float[model.layers.Count];
            var convs = 0;
            var total = 0f;
            for (var i = 0; i < cumulative.Length; i++)
            {
                if (model.layers[i].opName == "Conv")
                {
                    if (convs == convMacs.Length)
                        return null;
                    total += Mathf.Max(0f, convMacs[convs++]);
                }
                cumulative[i] = total;
            }
            return total > 0f ? cumulative : null;
        }

        /// <summary>How many layers frame `frame` (0: the capture frame) of `framesPerInference` schedules when
        /// `done` have run: up to the layer whose cumulative cost is nearest this frame's share of the total
        /// (at least one), and on the last frame all that is left. Without costs, `equalShare`.</summary>
        public static int LayersThisFrame(float[] cumulative, int done, int frame, int framesPerInference, int equalShare)
        {
            if (cumulative == null || cumulative.Length == 0)
                return equalShare;
            if (frame >= framesPerInference - 1)
                return int.MaxValue;
            var target = cumulative[cumulative.Length - 1] * (frame + 1) / framesPerInference;
            var end = done;
            while (end < cumulative.Length && cumulative[end] <= target)
                end++;
            var before = end > 0 ? cumulative[end - 1] : 0f;
            if (end < cumulative.Length && cumulative[end] - target < target - before)
                end++;
            return Mathf.Max(1, end - done);
        }
    }
}
