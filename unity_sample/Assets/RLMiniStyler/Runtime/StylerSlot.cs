// One exported model at run time: its sidecar, its worker(s), and the style tensors it is fed.
// Unity Inference Engine (com.unity.ai.inference 2.2+) by default; define RLMINISTYLER_SENTIS_2_1 in
// Player Settings > Scripting Define Symbols to build against com.unity.sentis 2.1 instead (the same
// signatures under another namespace; its colour conversion differs, see FrameTextures.ColourProblem).
#if RLMINISTYLER_SENTIS_2_1
using Unity.Sentis;
#else
using Unity.InferenceEngine;
#endif
using System;
using System.Collections.Generic;
using System.Diagnostics;
using UnityEngine;

namespace RLMiniStyler.Sample
{
    /// <summary>One row of the component's model list, as set in the Inspector.</summary>
    [Serializable]
    public class StylerModelEntry
    {
        [Tooltip("The exported OUT.onnx (Unity imports it as a model asset).")]
        public ModelAsset model;

        [Tooltip("OUT.json, the sidecar written next to the model (imported as a TextAsset). " +
                 "Filled in automatically in the Editor when it sits next to the .onnx.")]
        public TextAsset sidecar;

        [Tooltip("split models only: OUT_style.onnx, the style encoder (run once per style). " +
                 "Filled in automatically in the Editor from the sidecar's files.style_encoder.")]
        public ModelAsset styleEncoder;

        public string Label
        {
            get { return model != null ? model.name : (sidecar != null ? sidecar.name : "(empty)"); }
        }
    }

    public sealed class StylerSlot : IDisposable
    {
        public readonly StylerModelEntry entry;
        public readonly ExportSidecar meta;
        public readonly string label;

        readonly BackendType m_Backend;
        readonly Model m_Model;                 // the imported model, as loaded once
        readonly int m_ContentInput;            // positions in m_Model.inputs
        readonly int m_StyleImageInput = -1;    // full: the style image input
        readonly int[] m_StyleCodeInputs;       // split: one per style-encoder output, in sidecar order
        readonly int m_StepInput = -1;          // a distilled --step-input model: the step input
        Tensor<int> m_Step;                     // its value, uploaded when the step changes
        int m_StepUploaded;

        // Workers by the step they stop at: 0 = the model as exported (all K steps), t = trimmed to step t.
        readonly Dictionary<int, Worker> m_Workers = new Dictionary<int, Worker>();
        readonly Dictionary<int, int> m_LayerCounts = new Dictionary<int, int>();
        readonly Dictionary<int, float[]> m_LayerCosts = new Dictionary<int, float[]>();   // cumulative, or null

        Worker m_Encoder;
        Tensor[] m_StyleCode;                   // split: the encoder's outputs, copied into tensors we own
        Tensor<float> m_StyleImage;             // full and split: the style image as a (1, 3, h, w) tensor
        Texture m_EncodedStyle;
        int m_EncodedStyleSize = -1;

        int m_ActiveKey = -1;
        Worker m_Active;
        string m_ActiveOutput;                  // output name to peek, or null for output 0
        int m_ActiveStep;

        public StylerSlot(StylerModelEntry entry, BackendType backend)
        {
            this.entry = entry;
            label = entry.Label;
            m_Backend = backend;
            if (entry.model == null)
                throw new FormatException(label + ": no model asset set");
            if (entry.sidecar == null)
                throw new FormatException(label + ": no sidecar (.json) set; export writes it next to the .onnx");
            meta = ExportSidecar.Parse(entry.sidecar.text, entry.sidecar.name);
            if (meta.IsSplit && entry.styleEncoder == null)
                throw new FormatException(label + ": a split model needs its style encoder (" +
                                          (meta.files != null ? meta.files.style_encoder : "OUT_style.onnx") + ")");

            m_Model = ModelLoader.Load(entry.model);
            m_ContentInput = InputPosition(m_Model, meta.ContentInput, label);
            if (meta.IsFull)
                m_StyleImageInput = InputPosition(m_Model, meta.inputs[1].name, label);
            if (meta.IsSplit)
            {
                var codes = meta.style_encoder.outputs;
                m_StyleCodeInputs = new int[codes.Length];
                for (var i = 0; i < codes.Length; i++)
                    m_StyleCodeInputs[i] = InputPosition(m_Model, codes[i].name, label);
                m_StyleCode = new Tensor[codes.Length];
            }
            if (meta.HasStepInput)
                m_StepInput = InputPosition(m_Model, meta.step_input, label);
            foreach (var output in meta.outputs)
                if (!HasOutput(m_Model, output.name))
                    throw new FormatException(label + ": the sidecar lists output '" + output.name +
                                              "' but the model has no such output (model and sidecar from different exports?)");
        }

        static int InputPosition(Model model, string name, string label)
        {
            for (var i = 0; i < model.inputs.Count; i++)
                if (model.inputs[i].name == name)
                    return i;
            throw new FormatException(label + ": the sidecar lists input '" + name +
                                      "' but the model has no such input (model and sidecar from different exports?)");
        }

        static bool HasOutput(Model model, string name)
        {
            for (var i = 0; i < model.outputs.Count; i++)
                if (model.outputs[i].name == name)
                    return true;
            return false;
        }

        public bool NeedsStyleTexture { get { return meta.IsSplit || meta.IsFull; } }
        public string BakedStyleName { get { return string.IsNullOrEmpty(meta.style_file) ? label : meta.style_file; } }
        public int ActiveStep { get { return m_ActiveStep; } }
        public bool ActiveIsTrimmed { get { return m_ActiveKey > 0; } }

        /// <summary>Layers the active worker schedules (what ScheduleIterable yields), counted at warm-up.</summary>
        public int ActiveLayerCount
        {
            get
            {
                int n;
                return m_LayerCounts.TryGetValue(m_ActiveKey, out n) ? n : 1;
            }
        }

        /// <summary>The active worker's cumulative layer costs (LayerSpread), or null: spread by layer count.</summary>
        public float[] ActiveLayerCosts
        {
            get
            {
                float[] costs;
                return m_LayerCosts.TryGetValue(m_ActiveKey, out costs) ? costs : null;
            }
        }

        /// <summary>The steps this model can show.</summary>
        public void AddSteps(List<int> into)
        {
            if (meta.AnyStep)
                for (var t = 1; t <= meta.steps; t++) into.Add(t);
            else
                into.Add(meta.steps);
        }

        /// <summary>Runs the style encoder (split) or converts the style image (full), only when the style
        /// texture or the style size changed since the last call. Returns true when it did work.</summary>
        public bool EnsureStyle(Texture style, int styleSize)
        {
            if (!NeedsStyleTexture)
                return false;
            if (style == null)
                throw new InvalidOperationException(label + ": a " + meta.variant + " model needs a style texture " +
                                                    "(add one to Styles)");
            if (style == m_EncodedStyle && styleSize == m_EncodedStyleSize)
                return false;

            int width, height;
            StyleTensorSize(style.width, style.height, styleSize, out width, out height);
            if (m_StyleImage != null)
                m_StyleImage.Dispose();
            m_StyleImage = new Tensor<float>(new TensorShape(1, 3, height, width));
            FrameTextures.ToTensorDownscaled(style, m_StyleImage, width, height);

            if (meta.IsSplit)
            {
                if (m_Encoder == null)
                {
                    var encoderModel = ModelLoader.Load(entry.styleEncoder);
                    InputPosition(encoderModel, meta.style_encoder.inputs[0].name, entry.styleEncoder.name);
                    foreach (var output in meta.style_encoder.outputs)
                        if (!HasOutput(encoderModel, output.name))
                            throw new FormatException(entry.styleEncoder.name + ": no output '" + output.name + "'");
                    m_Encoder = new Worker(encoderModel, m_Backend);
                }
                m_Encoder.SetInput(meta.style_encoder.inputs[0].name, m_StyleImage);
                m_Encoder.Schedule();
                var codes = meta.style_encoder.outputs;
                for (var i = 0; i < codes.Length; i++)
                    m_Encoder.CopyOutput(codes[i].name, ref m_StyleCode[i]);
                // From now on the frame worker reads only these small tensors. The style image tensor is kept
                // until the next style change: the encoder's GPU work may still be reading it.
            }
            m_EncodedStyle = style;
            m_EncodedStyleSize = styleSize;
            return true;
        }

        /// <summary>Shorter side `shorter` (the exporter's --style-size), aspect kept.</summary>
        public static void StyleTensorSize(int width, int height, int shorter, out int outWidth, out int outHeight)
        {
            shorter = Mathf.Max(8, shorter);
            if (width <= height)
            {
                outWidth = shorter;
                outHeight = Mathf.Max(8, Mathf.RoundToInt(height * (shorter / (float)width)));
            }
            else
            {
                outHeight = shorter;
                outWidth = Mathf.Max(8, Mathf.RoundToInt(width * (shorter / (float)height)));
            }
        }

        /// <summary>Makes the worker that shows `step` the active one, creating it on first use and warming it
        /// up with `content` (one blocking run that compiles every kernel). Returns the warm-up time in ms,
        /// or 0 when the worker existed already.</summary>
        public float Select(int step, bool trim, Tensor<float> content)
        {
            var outputPos = meta.OutputIndexForStep(step);
            if (!meta.Provides(step) || outputPos < 0)
                throw new ArgumentException(label + " does not provide step " + step);
            var key = meta.WorkerKeyForStep(step, trim);   // a step-input model is fed its step in Bind
            m_ActiveStep = step;
            m_ActiveKey = key;
            m_ActiveOutput = key == 0 ? meta.outputs[outputPos].name : null;

            Worker worker;
            if (m_Workers.TryGetValue(key, out worker))
            {
                m_Active = worker;
                return 0f;
            }
            var clock = Stopwatch.StartNew();
            var model = key == 0 ? m_Model : TrimmedModel(outputPos);
            worker = new Worker(model, m_Backend);
            m_Workers[key] = worker;
            m_Active = worker;
            var layers = WarmUp(content);
            m_LayerCounts[key] = layers;
            // the costs follow the schedule only when every layer was one step of ScheduleIterable
            var costs = LayerSpread.CumulativeCosts(model, meta.conv_macs);
            m_LayerCosts[key] = costs != null && costs.Length == layers ? costs : null;
            return (float)clock.Elapsed.TotalMilliseconds;
        }

        /// <summary>A model that computes only output `outputPos` of the exported graph: the Functional API
        /// re-traces the model and Compile drops every layer that output does not need.</summary>
        Model TrimmedModel(int outputPos)
        {
            var source = ModelLoader.Load(entry.model);     // Forward edits its source: use a fresh copy
            var graph = new FunctionalGraph();
            var inputs = graph.AddInputs(source);            // same order as the source's inputs
            var outputs = Functional.Forward(source, inputs);
            return graph.Compile(outputs[OutputPosition(source, meta.outputs[outputPos].name)]);
        }

        static int OutputPosition(Model model, string name)
        {
            for (var i = 0; i < model.outputs.Count; i++)
                if (model.outputs[i].name == name)
                    return i;
            throw new FormatException("no output '" + name + "'");
        }

        int WarmUp(Tensor<float> content)
        {
            Bind(content);
            var layers = 0;
            var schedule = m_Active.ScheduleIterable();
            while (schedule.MoveNext())
                layers++;
            using (var cpuCopy = Output().ReadbackAndClone())
            {
                // waiting for the copy waits for the GPU: every kernel is compiled and has run once
            }
            return Mathf.Max(1, layers);
        }

        /// <summary>Sets the active worker's inputs: `content` and the style tensors.</summary>
        public void Bind(Tensor<float> content)
        {
            // By position, not name: a trimmed model keeps the input order but not always the names.
            m_Active.SetInput(m_ContentInput, content);
            if (meta.IsFull)
                m_Active.SetInput(m_StyleImageInput, m_StyleImage);
            if (meta.IsSplit)
                for (var i = 0; i < m_StyleCodeInputs.Length; i++)
                    m_Active.SetInput(m_StyleCodeInputs[i], m_StyleCode[i]);
            if (m_StepInput >= 0)
            {
                if (m_Step == null)
                {
                    m_Step = new Tensor<int>(new TensorShape(1), new[] { m_ActiveStep });
                    m_StepUploaded = m_ActiveStep;
                }
                else if (m_StepUploaded != m_ActiveStep)
                {
                    m_Step.Upload(new[] { m_ActiveStep });   // a new number: same worker, same cost
                    m_StepUploaded = m_ActiveStep;
                }
                m_Active.SetInput(m_StepInput, m_Step);
            }
        }

        /// <summary>The worker that shows the selected step; schedule it after Bind.</summary>
        public Worker ActiveWorker { get { return m_Active; } }

        /// <summary>The stylised frame of the last schedule; owned by the worker (do not dispose; valid until
        /// the next schedule).</summary>
        public Tensor<float> Output()
        {
            var output = m_ActiveOutput == null ? m_Active.PeekOutput() : m_Active.PeekOutput(m_ActiveOutput);
            return output as Tensor<float>;
        }

        public void Dispose()
        {
            m_Active = null;
            foreach (var worker in m_Workers.Values)
                worker.Dispose();
            m_Workers.Clear();
            m_LayerCounts.Clear();
            m_LayerCosts.Clear();
            if (m_Encoder != null)
                m_Encoder.Dispose();
            m_Encoder = null;
            if (m_StyleCode != null)
                for (var i = 0; i < m_StyleCode.Length; i++)
                {
                    if (m_StyleCode[i] != null)
                        m_StyleCode[i].Dispose();
                    m_StyleCode[i] = null;
                }
            if (m_StyleImage != null)
                m_StyleImage.Dispose();
            m_StyleImage = null;
            if (m_Step != null)
                m_Step.Dispose();
            m_Step = null;
            m_EncodedStyle = null;
            m_EncodedStyleSize = -1;
        }
    }
}
