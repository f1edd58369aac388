// The JSON sidecar that `rlministyler export` writes next to each model (OUT.json), read with
// JsonUtility. Every public field below is a key the sample reads; tests/test_unity_sample.py parses
// this file and fails if the exporter stops writing one of them. A field marked [OnlyForVariant]
// is only written for those variants; one marked [OptionalInSidecar] may be absent (older exports),
// and the test checks its type only when it is there. Keys the sample does not need (checksums, verification, ...)
// are not declared, and JsonUtility skips them.
using System;
using System.Collections.Generic;
using UnityEngine;

namespace RLMiniStyler.Sample
{
    /// <summary>Marks a sidecar field that the exporter writes only for some variants.</summary>
    [AttributeUsage(AttributeTargets.Field)]
    public sealed class OnlyForVariantAttribute : Attribute
    {
        public readonly string[] variants;
        public OnlyForVariantAttribute(params string[] variants) { this.variants = variants; }
    }

    /// <summary>Marks a sidecar field that exports may leave out; the field's initial value stands then.</summary>
    [AttributeUsage(AttributeTargets.Field)]
    public sealed class OptionalInSidecarAttribute : Attribute { }

    [Serializable]
    public class SidecarTensor
    {
        public string name;
        public string dtype;
    }

    [Serializable]
    public class SidecarOutput
    {
        public string name;
        public int step;
        public string dtype;
    }

    [Serializable]
    public class SidecarFiles
    {
        public string model;
        [OnlyForVariant("split")] public string style_encoder;
    }

    [Serializable]
    public class SidecarStyleEncoder
    {
        public SidecarTensor[] inputs;
        public SidecarTensor[] outputs;
    }

    [Serializable]
    public class ExportSidecar
    {
        public const string Format = "rlministyler-onnx";
        public const int SupportedFormatVersion = 2;   // 2: step_input

        public string format;
        public int format_version;
        public string variant;              // "full", "split" or "baked"
        public int steps;                   // K, the number of unrolled steps
        public bool all_steps;              // outputs step_1 .. step_K (else one output, step K)
        public SidecarTensor[] inputs;      // inputs[0] is the content image (1, 3, H, W)
        public SidecarOutput[] outputs;     // name and the step each output holds
        public string layout;               // "NCHW"
        public string color;                // "RGB"
        public float[] value_range;         // [0, 1]
        public int size_multiple;           // H and W must be multiples of this (4)
        public int min_size;                // and at least this (8)
        public int[] static_size;           // [H, W] when exported with --size, else null
        public SidecarFiles files;
        [OnlyForVariant("split")] public SidecarStyleEncoder style_encoder;
        [OnlyForVariant("baked")] public string style_file;
        // Exports with --internal-scale / --upsample: the graph downscales its input itself, runs at that
        // scale and upsamples (bilinear or guided by the full-resolution input), so it is fed the whole frame.
        [OptionalInSidecar] public float internal_scale = 1f;   // 0 is read as absent too
        [OptionalInSidecar] public string upsample;         // "bilinear" or "guided"; absent: no in-graph resize
        // Each Conv's multiply-accumulates per content pixel, in graph order: Frames Per Inference spreads the
        // network over frames by it (LayerSpread). Absent: an equal count of layers a frame.
        [OptionalInSidecar] public float[] conv_macs;
        // Distilled exports with --step-input: the name of the step input (int64, shape [1], 1..steps). The one
        // output shows the step fed, so one worker serves every step and switching steps changes one number.
        [OptionalInSidecar] public string step_input;
        // Exported from a distilled model: every output is one pass from the content, so the last step of an
        // all-steps export is trimmed like the others (otherwise its graph runs every step's builder).
        [OptionalInSidecar] public bool one_pass;

        public bool IsSplit { get { return variant == "split"; } }
        public bool IsFull { get { return variant == "full"; } }
        public bool IsBaked { get { return variant == "baked"; } }
        public bool HasStepInput { get { return !string.IsNullOrEmpty(step_input); } }
        /// <summary>Every step 1..K can be shown: an --all-steps model, or one with a step input.</summary>
        public bool AnyStep { get { return all_steps || HasStepInput; } }
        public bool HasStaticSize { get { return static_size != null && static_size.Length == 2 && static_size[0] > 0; } }
        /// <summary>The model resizes inside its graph, so it takes the frame at full resolution.</summary>
        public bool TakesFullResolution { get { return InternalScale < 1f || !string.IsNullOrEmpty(upsample); } }
        /// <summary>The scale the network's body runs at, relative to its input.</summary>
        public float InternalScale { get { return internal_scale > 0f && internal_scale <= 1f ? internal_scale : 1f; } }

        /// <summary>Parses and checks a sidecar; throws FormatException with a readable message.</summary>
        public static ExportSidecar Parse(string json, string label)
        {
            if (string.IsNullOrEmpty(json))
                throw new FormatException(label + ": the sidecar is empty");
            ExportSidecar meta;
            try
            {
                meta = JsonUtility.FromJson<ExportSidecar>(json);
            }
            catch (ArgumentException e)
            {
                throw new FormatException(label + ": not valid JSON (" + e.Message + ")");
            }
            if (meta == null || meta.format != Format)
                throw new FormatException(label + ": not an rlministyler export sidecar (format '" +
                                          (meta == null ? "" : meta.format) + "')");
            var problems = meta.Problems();
            if (problems.Count > 0)
                throw new FormatException(label + ": " + string.Join("; ", problems.ToArray()));
            return meta;
        }

        /// <summary>What this sample cannot handle in the sidecar, as readable sentences.</summary>
        public List<string> Problems()
        {
            var p = new List<string>();
            if (format_version > SupportedFormatVersion)
                p.Add("format_version " + format_version + " is newer than this sample (" + SupportedFormatVersion + ")");
            if (variant != "full" && variant != "split" && variant != "baked")
                p.Add("unknown variant '" + variant + "'");
            if (steps < 1)
                p.Add("steps must be at least 1");
            if (inputs == null || inputs.Length == 0)
                p.Add("no inputs listed");
            if (outputs == null || outputs.Length == 0)
                p.Add("no outputs listed");
            else if (all_steps && outputs.Length != steps)
                p.Add("all_steps model lists " + outputs.Length + " outputs for " + steps + " steps");
            if (layout != "NCHW")
                p.Add("layout '" + layout + "' (this sample feeds NCHW)");
            if (color != "RGB")
                p.Add("color '" + color + "' (this sample feeds RGB)");
            if (value_range == null || value_range.Length != 2 || value_range[0] != 0f || value_range[1] != 1f)
                p.Add("value_range must be [0, 1] (Unity textures are 0..1)");
            if (size_multiple < 1)
                p.Add("size_multiple must be at least 1");
            if (internal_scale < 0f || internal_scale > 1f)
                p.Add("internal_scale " + internal_scale + " is outside (0, 1]");
            if (!string.IsNullOrEmpty(upsample) && upsample != "bilinear" && upsample != "guided")
                p.Add("unknown upsample '" + upsample + "' (this sample knows bilinear and guided)");
            var stepInputs = HasStepInput ? 1 : 0;
            if (IsFull && (inputs == null || inputs.Length != 2 + stepInputs))
                p.Add("a full model has two inputs (content, style)" + (HasStepInput ? " and its step" : ""));
            if (IsBaked && inputs != null && inputs.Length != 1 + stepInputs)
                p.Add("a baked model has one input (content)" + (HasStepInput ? " and its step" : ""));
            if (HasStepInput)
            {
                if (all_steps)
                    p.Add("a model with a step input has one output, not all_steps");
                if (StepInputTensor() == null)
                    p.Add("step_input '" + step_input + "' is not one of the inputs");
                else if (StepInputTensor().dtype != "int64")
                    p.Add("step input '" + step_input + "' is " + StepInputTensor().dtype + " (the sample feeds int64)");
            }
            if (IsSplit)
            {
                if (style_encoder == null || style_encoder.inputs == null || style_encoder.inputs.Length != 1 ||
                    style_encoder.outputs == null || style_encoder.outputs.Length == 0)
                    p.Add("a split model needs style_encoder inputs and outputs");
                else if (inputs != null && inputs.Length != 1 + style_encoder.outputs.Length + stepInputs)
                    p.Add("the frame model takes content plus one input per style-encoder output" +
                          (HasStepInput ? " and its step" : ""));
            }
            CheckFloat(inputs, "input", step_input, p);
            CheckFloat(outputs, p);
            return p;
        }

        /// <summary>The step input's entry in `inputs`, or null.</summary>
        SidecarTensor StepInputTensor()
        {
            if (inputs != null)
                foreach (var t in inputs)
                    if (t.name == step_input)
                        return t;
            return null;
        }

        static void CheckFloat(SidecarTensor[] tensors, string what, string except, List<string> p)
        {
            if (tensors == null) return;
            foreach (var t in tensors)
                if (t.name != except && t.dtype != "float32")
                    p.Add(what + " '" + t.name + "' is " + t.dtype + " (the sample feeds float32)");
        }

        static void CheckFloat(SidecarOutput[] tensors, List<string> p)
        {
            if (tensors == null) return;
            foreach (var t in tensors)
                if (t.dtype != "float32")
                    p.Add("output '" + t.name + "' is " + t.dtype + " (the sample reads float32)");
        }

        /// <summary>The name of the content input (the exporter lists it first).</summary>
        public string ContentInput { get { return inputs[0].name; } }

        /// <summary>Whether this model can show step `step` (an all-steps or step-input model shows 1..K).</summary>
        public bool Provides(int step)
        {
            return AnyStep ? step >= 1 && step <= steps : step == steps;
        }

        /// <summary>Position in `outputs` of the output that holds `step`, or -1 (a step-input model's one
        /// output holds every step).</summary>
        public int OutputIndexForStep(int step)
        {
            if (HasStepInput)
                return Provides(step) ? 0 : -1;
            for (var i = 0; i < outputs.Length; i++)
                if (outputs[i].step == step)
                    return i;
            return -1;
        }

        /// <summary>Which worker shows `step`: 0 for the whole exported graph, or t for the graph trimmed to step
        /// t's output. With `trim`, an all-steps model shows step t through a graph that runs t steps (one pass
        /// for a one_pass model) instead of K; the official model's last step needs the whole graph anyway. A
        /// step-input model has one worker for every step.</summary>
        public int WorkerKeyForStep(int step, bool trim)
        {
            return all_steps && trim && (step != steps || one_pass) ? step : 0;
        }

        /// <summary>Network input size for a frame of `width` x `height` scaled by 1/`divisor`:
        /// the static size when there is one, else rounded to the size multiple (at least min_size). A model
        /// that resizes inside its graph (TakesFullResolution) gets the whole frame whatever the divisor.</summary>
        public void NetworkSize(int width, int height, int divisor, out int netWidth, out int netHeight)
        {
            if (HasStaticSize)
            {
                netHeight = static_size[0];
                netWidth = static_size[1];
                return;
            }
            if (TakesFullResolution)
                divisor = 1;
            netWidth = RoundToMultiple(width / (float)Mathf.Max(1, divisor));
            netHeight = RoundToMultiple(height / (float)Mathf.Max(1, divisor));
        }

        int RoundToMultiple(float value)
        {
            var m = Mathf.Max(1, size_multiple);
            var rounded = Mathf.RoundToInt(value / m) * m;
            var least = ((Mathf.Max(1, min_size) + m - 1) / m) * m;
            return Mathf.Max(least, rounded);
        }
    }
}
