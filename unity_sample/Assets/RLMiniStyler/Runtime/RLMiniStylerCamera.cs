// Stylises every frame of the camera it sits on with a model exported by `rlministyler export
// --target sentis`, at a chosen step, and shows the frame rate with the effect on and off.
//
// The settings, model selection, keys and readout, for every render pipeline. The frame itself is
// stylised by StylerFrameCore, reached through one of two thin adapters: OnRenderImage below
// (built-in render pipeline) or RLMiniStylerRenderPass (URP renderer feature), which calls
// RenderFrame. See unity_sample/README.md.
#if RLMINISTYLER_SENTIS_2_1
using Unity.Sentis;
#else
using Unity.InferenceEngine;
#endif
using System;
using System.Collections.Generic;
using System.Text;
using UnityEngine;
using UnityEngine.Rendering;

namespace RLMiniStyler.Sample
{
    [RequireComponent(typeof(Camera))]
    [DisallowMultipleComponent]
    [AddComponentMenu("RLMiniStyler/RLMiniStyler Camera")]
    public sealed class RLMiniStylerCamera : MonoBehaviour
    {
        public enum ResolutionScale
        {
            Full = 1,
            Half = 2,
            Quarter = 4,
        }

        struct StyleChoice
        {
            public Texture texture;     // for split and full models
            public string bakedName;    // for baked models (one model per style)
            public string Label { get { return texture != null ? texture.name : bakedName; } }
        }

        [Header("Models")]
        [Tooltip("Exported models. Drag the .onnx in; the .json sidecar (and, for split, the _style.onnx) " +
                 "next to it is picked up automatically in the Editor. One --all-steps model covers every step " +
                 "up to K, and so does a distilled --step-input model (one worker, every step one pass); " +
                 "single-step models are chosen by their step; baked models add one style each.")]
        public List<StylerModelEntry> models = new List<StylerModelEntry>();

        [Header("Step")]
        [Tooltip("The step to show (keys 1-9, 0 = 10, -/= to step down/up). When no model provides it, " +
                 "the nearest step that one does is shown.")]
        [Range(1, 64)]
        public int step = 3;

        [Tooltip("With an --all-steps model, build (once per step, via the Functional API) a model that stops " +
                 "at the chosen step, so step t costs t steps instead of K. Off: every frame runs all K " +
                 "steps and the chosen output is read.")]
        public bool trimAllStepsModels = true;

        [Header("Style")]
        [Tooltip("Style images for split and full models (keys [ and ] cycle through these and the baked " +
                 "models' styles). Import them as ordinary textures; Read/Write is not needed.")]
        public List<Texture> styles = new List<Texture>();

        [Tooltip("Which style is shown: an index into the styles above followed by the baked models' styles.")]
        [Min(0)]
        public int styleIndex;

        [Tooltip("The style image's shorter side before encoding, as the exporter's --style-size (256). " +
                 "Changing it re-runs the style encoder once.")]
        [Range(64, 1024)]
        public int styleSize = 256;

        [Header("Speed")]
        [Tooltip("GPUCompute is the fastest on desktop and consoles; GPUPixel where compute shaders are missing; " +
                 "CPU (Burst) is far too slow for per-frame use. Changing it at run time rebuilds the workers.")]
        public BackendType backend = BackendType.GPUCompute;

        [Tooltip("Run the network at 1, 1/2 or 1/4 of the camera's resolution and upscale bilinearly. " +
                 "Cost falls with the pixel count (about 4x per halving); the image gets softer. Ignored for " +
                 "models exported with --size (they run at their static size) and for models that resize " +
                 "inside their graph (--internal-scale / --upsample: they are fed the full frame).")]
        public ResolutionScale resolutionScale = ResolutionScale.Half;

        [Tooltip("1: the whole network runs every frame. N > 1: it is spread over N frames with " +
                 "ScheduleIterable (a 1/N share of the convolutions' cost each frame when the sidecar lists them, " +
                 "else of the layers), and every frame in between shows the " +
                 "last result warped by the camera's motion vectors (Reproject With Motion Vectors).")]
        [Range(1, 8)]
        public int framesPerInference = 1;

        [Tooltip("With Frames Per Inference > 1: warp the last result to each new frame with the camera's motion " +
                 "vectors (needs compute shaders). Where the warp is wrong (something uncovered) the current frame " +
                 "plus the last result's stylisation offset is shown. Off: the last result is shown as it is.")]
        public bool reprojectWithMotionVectors = true;

        [Tooltip("Largest colour difference (0..1 per channel, camera colour space) between the current frame and " +
                 "what the shown result's input saw at the warped position before a pixel counts as disoccluded.")]
        [Range(0.01f, 1f)]
        public float disocclusionThreshold = 0.12f;

        [Header("Measuring")]
        [Tooltip("Stylise the camera image (key T toggles, to compare the frame rate with and without).")]
        public bool stylize = true;

        [Tooltip("Show the on-screen readout (key H).")]
        public bool showHud = true;

        [Tooltip("Turn VSync and the frame-rate cap off while enabled, so the readout shows what the GPU can do.")]
        public bool uncapFrameRate = true;

        [Tooltip("Frames in the sliding window for average, min and max frame time.")]
        [Range(30, 2000)]
        public int statsWindow = 240;

        // Models and selection
        readonly List<StylerSlot> m_Slots = new List<StylerSlot>();
        readonly List<StyleChoice> m_Choices = new List<StyleChoice>();
        readonly List<string> m_Problems = new List<string>();
        readonly List<int> m_StepScratch = new List<int>();
        StylerSlot m_Slot;
        int m_ShownStep;
        int m_ShownChoice = -1;
        bool m_SlotsBuilt;
        BackendType m_BuiltBackend;
        bool m_SelectionDirty = true;

        // The frame: resources, spreading over frames, reprojection
        readonly StylerFrameCore m_Core = new StylerFrameCore();
        int m_FrameWidth, m_FrameHeight;
        string m_Pipeline = "built-in (OnRenderImage)";
        DepthTextureMode m_SavedDepthMode;
        bool m_DepthModeSet;

        // Measuring: the adapters report each frame of the camera (NoteFrameRendered), RenderFrame whether it
        // was stylised; Update adds the last frame's time to ON (stylised) or OFF (the effect switched off).
        readonly ImmediateFrameCommands m_Immediate = new ImmediateFrameCommands();
        FrameStats m_On, m_Off;
        bool m_FrameWasStylized;
        bool m_FrameRendered;
        bool m_FrameEffectOff;
        int m_SavedVSync, m_SavedTargetFrameRate;
        string m_Error;
        string m_LastEvent = "";
        string m_Hud = "";
        float m_NextHudUpdate;
        GUIStyle m_HudStyle;

        public bool IsStylizing { get { return stylize && m_Slot != null && m_Error == null; } }

        /// <summary>Whether this frame needs the camera's motion vectors (only while reprojecting the effect:
        /// the OFF frames must not pay for them).</summary>
        public bool NeedsMotionVectors { get { return IsStylizing && WantsReprojection; } }

        void OnEnable()
        {
            if (uncapFrameRate)
            {
                m_SavedVSync = QualitySettings.vSyncCount;
                m_SavedTargetFrameRate = Application.targetFrameRate;
                QualitySettings.vSyncCount = 0;
                Application.targetFrameRate = -1;
            }
            m_On = new FrameStats(statsWindow);
            m_Off = new FrameStats(statsWindow);
            m_On.Reset(5);
            m_Off.Reset(5);
            m_Error = null;
            m_FrameWidth = Mathf.Max(8, Screen.width);
            m_FrameHeight = Mathf.Max(8, Screen.height);
            if (GraphicsSettings.currentRenderPipeline != null)
                m_Pipeline = "scriptable pipeline without the RLMiniStyler renderer feature (nothing rendered yet)";
            BuildSlots();
            ApplySelection();   // warms up the first model now, not on the first frame
        }

        void OnDisable()
        {
            if (uncapFrameRate)
            {
                QualitySettings.vSyncCount = m_SavedVSync;
                Application.targetFrameRate = m_SavedTargetFrameRate;
            }
            RestoreDepthMode();
            ReleaseAll();
        }

        void OnDestroy()
        {
            ReleaseAll();   // idempotent: nothing is left after OnDisable
        }

        void OnValidate()
        {
            m_SelectionDirty = true;
            m_Error = null;   // let a fix made in the Inspector take effect
#if UNITY_EDITOR
            // Pair each .onnx with its sidecar and style encoder (outside OnValidate: asset loads are not
            // allowed during it).
            UnityEditor.EditorApplication.delayCall += FillInSidecars;
#endif
        }

#if UNITY_EDITOR
        void FillInSidecars()
        {
            if (this == null)
                return;
            var changed = false;
            foreach (var entry in models)
                changed |= SidecarLookup.FillIn(entry);
            if (changed)
                UnityEditor.EditorUtility.SetDirty(this);
        }
#endif

        // ----------------------------------------------------------------------------------------------
        // Models

        // The assets the slots were built from, to rebuild when the list changes in the Inspector.
        readonly List<UnityEngine.Object> m_BuiltFrom = new List<UnityEngine.Object>();

        void ModelAssets(List<UnityEngine.Object> into)
        {
            into.Clear();
            foreach (var e in models)
            {
                into.Add(e != null ? e.model : null);
                into.Add(e != null ? e.sidecar : null);
                into.Add(e != null ? e.styleEncoder : null);
            }
        }

        bool ModelsChanged()
        {
            ModelAssets(m_AssetScratch);
            if (!m_SlotsBuilt || m_AssetScratch.Count != m_BuiltFrom.Count)
                return true;
            for (var i = 0; i < m_AssetScratch.Count; i++)
                if (m_AssetScratch[i] != m_BuiltFrom[i])
                    return true;
            return false;
        }

        readonly List<UnityEngine.Object> m_AssetScratch = new List<UnityEngine.Object>();

        void BuildSlots()
        {
            ReleaseSlots();
            m_Problems.Clear();
            ModelAssets(m_BuiltFrom);
            m_SlotsBuilt = true;
            m_BuiltBackend = backend;
            if (backend == BackendType.GPUCompute && !SystemInfo.supportsComputeShaders)
                m_Problems.Add("this device has no compute shaders: choose the GPUPixel backend");
            if (FrameTextures.ColourProblem != null)
            {
                m_Problems.Add(FrameTextures.ColourProblem);   // refused rather than shown in wrong colours
                Debug.LogError("[RLMiniStyler] " + FrameTextures.ColourProblem, this);
                m_SelectionDirty = true;
                return;
            }
            foreach (var entry in models)
            {
                if (entry == null || (entry.model == null && entry.sidecar == null))
                    continue;
                try
                {
                    m_Slots.Add(new StylerSlot(entry, backend));
                }
                catch (Exception e)
                {
                    m_Problems.Add(e.Message);
                    Debug.LogError("[RLMiniStyler] " + e.Message, this);
                }
            }
            if (m_Slots.Count == 0)
                m_Problems.Add("no usable model: export one (unity_sample/README.md) and add it to Models");
            m_SelectionDirty = true;
        }

        void BuildChoices()
        {
            m_Choices.Clear();
            var needsTexture = false;
            foreach (var slot in m_Slots)
                needsTexture |= slot.NeedsStyleTexture;
            if (needsTexture)
                foreach (var texture in styles)
                    if (texture != null)
                        m_Choices.Add(new StyleChoice { texture = texture });
            foreach (var slot in m_Slots)
            {
                if (!slot.meta.IsBaked)
                    continue;
                var name = slot.BakedStyleName;
                var known = false;
                foreach (var c in m_Choices)
                    known |= c.bakedName == name;
                if (!known)
                    m_Choices.Add(new StyleChoice { bakedName = name });
            }
        }

        bool Matches(StylerSlot slot, StyleChoice choice)
        {
            return choice.bakedName != null
                ? slot.meta.IsBaked && slot.BakedStyleName == choice.bakedName
                : !slot.meta.IsBaked;
        }

        /// <summary>The model for the wanted step and style: one that provides the step exactly (a single-step
        /// model before an all-steps one, as it needs no trimming), else the nearest step any model has.</summary>
        StylerSlot Pick(int wanted, StyleChoice choice, out int shown)
        {
            StylerSlot best = null;
            shown = wanted;
            var bestScore = int.MaxValue;
            foreach (var slot in m_Slots)
            {
                if (!Matches(slot, choice))
                    continue;
                m_StepScratch.Clear();
                slot.AddSteps(m_StepScratch);
                foreach (var t in m_StepScratch)
                {
                    var score = Mathf.Abs(t - wanted) * 2 + (slot.meta.all_steps ? 1 : 0);
                    if (score < bestScore)
                    {
                        bestScore = score;
                        best = slot;
                        shown = t;
                    }
                }
            }
            return best;
        }

        void ApplySelection()
        {
            m_SelectionDirty = false;
            if (m_Error != null)
                return;
            if (ModelsChanged() || m_BuiltBackend != backend)
                BuildSlots();
            BuildChoices();
            if (m_Choices.Count == 0)
            {
                m_Slot = null;
                if (m_Slots.Count > 0)
                    m_LastEvent = "add a style texture to Styles (split and full models need one)";
                return;
            }
            styleIndex = ((styleIndex % m_Choices.Count) + m_Choices.Count) % m_Choices.Count;
            step = Mathf.Clamp(step, 1, 64);
            var choice = m_Choices[styleIndex];
            int shown;
            var slot = Pick(step, choice, out shown);
            if (slot == null)
            {
                m_Slot = null;
                m_LastEvent = "no model for style " + choice.Label;
                return;
            }
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                m_Core.Abandon();                       // abandon a half-scheduled frame
                m_Slot = slot;
                EnsureResources(m_FrameWidth, m_FrameHeight);
                var encoded = slot.EnsureStyle(choice.texture, styleSize);
                var warmupMs = slot.Select(shown, trimAllStepsModels, m_Core.Content);
                var changed = shown != m_ShownStep || styleIndex != m_ShownChoice;
                m_ShownStep = shown;
                m_ShownChoice = styleIndex;
                if (encoded || warmupMs > 0f || changed)
                {
                    m_LastEvent = string.Format("{0} step {1}{2}{3} ({4:F0} ms)", slot.label, shown,
                                                encoded ? ", style encoded" : "",
                                                warmupMs > 0f ? ", worker built and warmed up" : "",
                                                clock.Elapsed.TotalMilliseconds);
                    m_On.Reset(5);
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }
        }

        // ----------------------------------------------------------------------------------------------
        // Resources

        public bool WantsReprojection { get { return framesPerInference > 1 && reprojectWithMotionVectors; } }

        void EnsureResources(int frameWidth, int frameHeight)
        {
            m_FrameWidth = frameWidth;
            m_FrameHeight = frameHeight;
            m_Core.EnsureResources(m_Slot, frameWidth, frameHeight, (int)resolutionScale, WantsReprojection);
        }

        void ReleaseSlots()
        {
            m_Core.Abandon();
            m_Slot = null;
            foreach (var slot in m_Slots)
                slot.Dispose();
            m_Slots.Clear();
        }

        void ReleaseAll()
        {
            m_Core.ReleaseFrameResources();
            m_Immediate.Release();
            ReleaseSlots();
            m_SlotsBuilt = false;
            m_SelectionDirty = true;
        }

        void Fail(Exception e)
        {
            m_Error = e.Message;
            m_Core.Abandon();
            Debug.LogException(e, this);
        }

        // ----------------------------------------------------------------------------------------------
        // Per frame

        void Update()
        {
            // Time.unscaledDeltaTime is the duration of the previous frame, which was rendered with or
            // without the effect as the adapter reported. A frame that should have been stylised but was
            // not (an error, a missing model) counts for neither.
            if (m_FrameRendered && m_FrameWasStylized)
                m_On.Add(Time.unscaledDeltaTime * 1000f);
            else if (m_FrameRendered && m_FrameEffectOff)
                m_Off.Add(Time.unscaledDeltaTime * 1000f);
            m_FrameRendered = false;
            m_FrameWasStylized = false;

            if (SampleKeys.Pressed(SampleKey.ToggleStylize))
            {
                stylize = !stylize;
                (stylize ? m_On : m_Off).Reset(5);
            }
            if (SampleKeys.Pressed(SampleKey.ToggleHud))
                showHud = !showHud;
            if (SampleKeys.Pressed(SampleKey.ResetStats))
            {
                m_On.Reset(5);
                m_Off.Reset(5);
            }
            var digit = SampleKeys.DigitPressed();
            if (digit >= 0)
                SetStep(digit == 0 ? 10 : digit);
            if (SampleKeys.Pressed(SampleKey.StepUp))
                SetStep(NeighbourStep(+1));
            if (SampleKeys.Pressed(SampleKey.StepDown))
                SetStep(NeighbourStep(-1));
            if (SampleKeys.Pressed(SampleKey.NextStyle))
                SetStyle(styleIndex + 1);
            if (SampleKeys.Pressed(SampleKey.PreviousStyle))
                SetStyle(styleIndex - 1);

            if (m_On.Window != statsWindow)
            {
                m_On = new FrameStats(statsWindow);
                m_Off = new FrameStats(statsWindow);
            }
            if (m_SelectionDirty)
                ApplySelection();
            UpdateDepthMode();
        }

        /// <summary>Built-in pipeline: ask the camera for motion vectors (and depth) while reprojecting.</summary>
        void UpdateDepthMode()
        {
            var wanted = NeedsMotionVectors && GraphicsSettings.currentRenderPipeline == null;
            if (wanted == m_DepthModeSet)
                return;
            var cam = GetComponent<Camera>();
            if (wanted)
            {
                m_SavedDepthMode = cam.depthTextureMode;
                cam.depthTextureMode = m_SavedDepthMode | DepthTextureMode.MotionVectors | DepthTextureMode.Depth;
            }
            else
            {
                cam.depthTextureMode = m_SavedDepthMode;
            }
            m_DepthModeSet = wanted;
        }

        void RestoreDepthMode()
        {
            if (!m_DepthModeSet)
                return;
            GetComponent<Camera>().depthTextureMode = m_SavedDepthMode;
            m_DepthModeSet = false;
        }

        /// <summary>The nearest step above (direction +1) or below (-1) the shown one that a model for the
        /// current style provides; the shown step when there is none.</summary>
        int NeighbourStep(int direction)
        {
            if (m_ShownChoice < 0 || m_ShownChoice >= m_Choices.Count)
                return Mathf.Clamp(m_ShownStep + direction, 1, 64);
            var choice = m_Choices[m_ShownChoice];
            var best = m_ShownStep;
            foreach (var slot in m_Slots)
            {
                if (!Matches(slot, choice))
                    continue;
                m_StepScratch.Clear();
                slot.AddSteps(m_StepScratch);
                foreach (var t in m_StepScratch)
                {
                    var beyond = direction > 0 ? t > m_ShownStep : t < m_ShownStep;
                    if (beyond && (best == m_ShownStep || Mathf.Abs(t - m_ShownStep) < Mathf.Abs(best - m_ShownStep)))
                        best = t;
                }
            }
            return best;
        }

        public void SetStep(int wanted)
        {
            step = Mathf.Clamp(wanted, 1, 64);
            m_SelectionDirty = true;
        }

        public void SetStyle(int index)
        {
            styleIndex = index;   // wrapped in ApplySelection
            m_SelectionDirty = true;
        }

        const string BuiltInLabel = "built-in (OnRenderImage)";
        const string XRProblem = "XR single-pass rendering (the camera colour is a texture array) is not supported: " +
                                 "the network and the reprojection read 2-D textures";
        static readonly int s_BuiltInMotionVectors = Shader.PropertyToID("_CameraMotionVectorsTexture");
        static readonly int s_BuiltInDepth = Shader.PropertyToID("_CameraDepthTexture");

        // The built-in pipeline's adapter.
        void OnRenderImage(RenderTexture source, RenderTexture destination)
        {
            NoteFrameRendered(BuiltInLabel);
            // Bound by name: the global is read when the reprojection dispatch runs.
            var motion = NeedsMotionVectors
                ? MotionSource.Of(CameraTexture.FromGlobal(s_BuiltInMotionVectors), CameraTexture.FromGlobal(s_BuiltInDepth))
                : MotionSource.None;
            Texture result;
            if (!RenderFrame(m_Immediate, source, motion, SourceIsFlipped(), out result))
                result = source;
            Graphics.Blit(result, destination);
        }

        /// <summary>Under MSAA on graphics APIs whose texture rows start at the top (Direct3D, Metal) Unity does
        /// not flip OnRenderImage's source the way it flips blitted textures.</summary>
        bool SourceIsFlipped()
        {
            var cam = GetComponent<Camera>();
            return SystemInfo.graphicsUVStartsAtTop && QualitySettings.antiAliasing > 1 && cam.allowMSAA &&
                   cam.actualRenderingPath == RenderingPath.Forward;
        }

        /// <summary>The adapters call this once for every frame of the camera, before RenderFrame and whether the
        /// effect is on or not, so the readout measures both.</summary>
        public void NoteFrameRendered(string pipeline)
        {
            m_Pipeline = pipeline;
            m_FrameRendered = true;
            m_FrameEffectOff = !stylize;
            m_FrameWasStylized = false;
        }

        /// <summary>Stylises one frame of this camera with `cmd` (run now or recorded); the adapters call it after
        /// NoteFrameRendered. `motion` is the camera's motion vectors (or None); `sourceFlipped`: `source` is upside
        /// down against blitted textures. Returns false (and result = source) when the effect is off or failed;
        /// else `result` is what to show, to be copied to the camera target.</summary>
        public bool RenderFrame(IFrameCommands cmd, Texture source, MotionSource motion, bool sourceFlipped,
                                out Texture result)
        {
            result = source;
            if (!IsStylizing || source == null)
                return false;
            if (source.dimension != TextureDimension.Tex2D)
            {
                ReportProblem(XRProblem);
                return false;
            }
            try
            {
                EnsureResources(source.width, source.height);
                result = m_Core.Render(cmd, m_Slot, source, motion, sourceFlipped, framesPerInference,
                                       reprojectWithMotionVectors, disocclusionThreshold);
                m_FrameWasStylized = true;
                return true;
            }
            catch (Exception e)
            {
                Fail(e);
                result = source;
                return false;
            }
        }

        /// <summary>A problem an adapter found (shown on the readout until the selection changes).</summary>
        public void ReportProblem(string problem)
        {
            if (!m_Problems.Contains(problem))
                m_Problems.Add(problem);
        }

        // ----------------------------------------------------------------------------------------------
        // Readout

        void OnGUI()
        {
            if (!showHud)
                return;
            if (Time.unscaledTime >= m_NextHudUpdate)
            {
                m_NextHudUpdate = Time.unscaledTime + 0.25f;
                m_Hud = HudText();
            }
            if (m_HudStyle == null)
            {
                m_HudStyle = new GUIStyle(GUI.skin.box);
                m_HudStyle.alignment = TextAnchor.UpperLeft;
                m_HudStyle.fontSize = 14;
                m_HudStyle.richText = false;
                m_HudStyle.normal.textColor = Color.white;
            }
            var size = m_HudStyle.CalcSize(new GUIContent(m_Hud));
            GUI.Box(new Rect(8, 8, size.x + 8, size.y + 4), m_Hud, m_HudStyle);
        }

        string HudText()
        {
            var sb = new StringBuilder();
            sb.Append("RLMiniStyler   [T] stylise ").Append(stylize ? "ON" : "OFF")
              .Append("   [1-9,0 / - =] step   [ [ ] ] style   [R] reset stats   [H] hide\n");
            if (m_Slot != null)
            {
                var meta = m_Slot.meta;
                sb.Append("model ").Append(m_Slot.label).Append(" (").Append(meta.variant)
                  .Append(meta.all_steps ? ", steps 1-" : ", step ").Append(meta.steps).Append(")");
                sb.Append("   showing step ").Append(m_ShownStep);
                if (m_ShownStep != step)
                    sb.Append(" (step ").Append(step).Append(" wanted: no model has it)");
                if (m_Slot.ActiveIsTrimmed)
                    sb.Append(", trimmed");
                else if (meta.all_steps && m_ShownStep < meta.steps)
                    sb.Append(", runs all ").Append(meta.steps);
                if (m_ShownChoice >= 0 && m_ShownChoice < m_Choices.Count)
                    sb.Append("   style ").Append(m_Choices[m_ShownChoice].Label)
                      .Append(" (").Append(m_ShownChoice + 1).Append('/').Append(m_Choices.Count).Append(')');
                sb.Append('\n');
                sb.Append("pipeline ").Append(m_Pipeline).Append("   backend ").Append(backend).Append('\n');
                sb.Append("network ").Append(m_Core.NetWidth).Append('x').Append(m_Core.NetHeight)
                  .Append(" for a ").Append(m_FrameWidth).Append('x').Append(m_FrameHeight).Append(" frame");
                if (meta.HasStaticSize)
                    sb.Append(" (static size)");
                else if (meta.TakesFullResolution)
                    sb.Append(" (full frame in)");
                else
                    sb.Append(" (1/").Append((int)resolutionScale).Append(')');
                sb.Append("   internal scale ").Append(meta.InternalScale.ToString("0.###"));
                if (!string.IsNullOrEmpty(meta.upsample))
                    sb.Append(" (").Append(meta.upsample).Append(" upsampling)");
                sb.Append('\n');
                sb.Append("N = ").Append(framesPerInference);
                if (framesPerInference > 1)
                {
                    sb.Append(": frame ").Append(m_Core.FramesIntoInference + 1).Append(" of ").Append(framesPerInference)
                      .Append(", ").Append(m_Core.LayersLastFrame).Append(" of ").Append(m_Slot.ActiveLayerCount)
                      .Append(m_Slot.ActiveLayerCosts != null ? " layers this frame (spread by convolution cost)"
                                                              : " layers this frame (an equal count a frame)");
                    if (!reprojectWithMotionVectors)
                        sb.Append(", last result shown as it is");
                    else if (m_Core.Reprojected)
                        sb.Append(", reprojected with motion vectors");
                    else if (!m_Core.CanReproject)
                        sb.Append(", no reprojection (no compute shaders or shader missing)");
                    else
                        sb.Append(", not reprojected (no motion vectors this frame)");
                }
                else
                {
                    sb.Append(": whole network every frame");
                }
                sb.Append('\n');
            }
            sb.Append("stylise ON : ").Append(m_On.Describe()).Append('\n');
            sb.Append("stylise OFF: ").Append(m_Off.Describe()).Append('\n');
            if (m_On.Count > 0 && m_Off.Count > 0)
                sb.AppendFormat("cost of the effect: {0:+0.00;-0.00} ms a frame (average ON - average OFF)\n",
                                m_On.AverageMs - m_Off.AverageMs);
            if (!string.IsNullOrEmpty(m_LastEvent))
                sb.Append(m_LastEvent).Append('\n');
            foreach (var problem in m_Problems)
                sb.Append("problem: ").Append(problem).Append('\n');
            if (m_Error != null)
                sb.Append("error (stylisation stopped; see the Console): ").Append(m_Error).Append('\n');
            return sb.ToString().TrimEnd('\n');
        }
    }
}
