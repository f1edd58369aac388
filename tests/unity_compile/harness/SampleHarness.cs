// COMPILE-CHECK SCAFFOLDING, NEVER SHIPPED INTO THE UNITY PROJECT (see ../README.md).
// Drives the sample's own C# against the stubs under mono, for the logic that needs no GPU:
// tests/test_unity_behaviour.py compiles it with the sample and reads the lines it prints.
using System;
using System.Reflection;
using System.Globalization;
using System.Linq;
using RLMiniStyler.Sample;
#if RLMINISTYLER_SENTIS_2_1
using Unity.Sentis;
#else
using Unity.InferenceEngine;
#endif
using UnityEngine.Rendering;
using UnityEngine.Rendering.RenderGraphModule;
using UnityEngine.Rendering.Universal;

sealed class NamedLayer : Layer
{
    readonly string m_Op;
    public NamedLayer(string op) { m_Op = op; }
    public override string opName { get { return m_Op; } }
}

static class SampleHarness
{
    const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    static object Field(object target, Type type, string name)
    {
        return type.GetField(name, Private).GetValue(target);
    }

    static void Call(object target, string method)
    {
        typeof(RLMiniStylerCamera).GetMethod(method, Private).Invoke(target, null);
    }

    static int Count(RLMiniStylerCamera styler, string stats)
    {
        return ((FrameStats)Field(styler, typeof(RLMiniStylerCamera), stats)).Count;
    }

    /// <summary>`frames` frames of a URP camera with the effect switched off (Frames Per Inference above 1
    /// wants reprojection): what the ON and OFF lines counted and which inputs the pass asked for.</summary>
    static void UrpEffectOff(int frames, int framesPerInference, bool compatibility)
    {
        var styler = new RLMiniStylerCamera();
        styler.stylize = false;
        styler.framesPerInference = framesPerInference;
        Call(styler, "OnEnable");
        var pass = new RLMiniStylerRenderPass();
        for (var i = 0; i < frames; i++)
        {
            pass.Setup(styler, RenderPassEvent.AfterRenderingPostProcessing);
#if STUB_URP_COMPATIBILITY
            if (compatibility)
            {
                var data = new RenderingData();
#pragma warning disable 618
                pass.Execute(new ScriptableRenderContext(), ref data);
#pragma warning restore 618
            }
            else
#endif
                pass.RecordRenderGraph(new RenderGraph(), new ContextContainer());
            Call(styler, "Update");
        }
        var input = Field(pass, typeof(ScriptableRenderPass), "m_Input");
        Console.WriteLine("on {0} off {1} input {2}", Count(styler, "m_On"), Count(styler, "m_Off"), input);
    }

    static float[] Floats(string list)
    {
        return list.Split(',').Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>LayerSpread.CumulativeCosts of a model with the layers `ops` and the sidecar's `convMacs`.</summary>
    static void Costs(string ops, string convMacs)
    {
        var model = new Model();
        foreach (var op in ops.Split(','))
            model.layers.Add(new NamedLayer(op));
        var costs = LayerSpread.CumulativeCosts(model, Floats(convMacs));
        Console.WriteLine(costs == null ? "none" : string.Join(",", costs.Select(c => c.ToString("R", CultureInfo.InvariantCulture))));
    }

    /// <summary>The layers each of N frames schedules for cumulative costs `cumulative`, as StylerFrameCore
    /// drives LayerSpread.LayersThisFrame (the last frame runs the rest).</summary>
    static void Spread(int framesPerInference, string cumulative)
    {
        var costs = Floats(cumulative);
        var done = 0;
        var counts = new int[framesPerInference];
        for (var frame = 0; frame < framesPerInference && done < costs.Length; frame++)
        {
            var budget = LayerSpread.LayersThisFrame(costs, done, frame, framesPerInference, 1);
            counts[frame] = Math.Min(budget, costs.Length - done);
            done += counts[frame];
        }
        Console.WriteLine(string.Join(",", counts));
    }

    /// <summary>ExportSidecar.Problems, Provides, OutputIndexForStep and WorkerKeyForStep (trimmed) for a sidecar whose fields are given
    /// (the stubs' JsonUtility parses nothing): the test passes a real export's values. `inputs` and
    /// `encoderOutputs` are "name:dtype" lists, `outputs` "name:step:dtype".</summary>
    static void Sidecar(string variant, int steps, bool allSteps, string stepInput, string inputs, string outputs,
                        string encoderOutputs, bool onePass)
    {
        Func<string, SidecarTensor[]> tensors = list => list.Split(',').Where(x => x.Length > 0).Select(x =>
            new SidecarTensor { name = x.Split(':')[0], dtype = x.Split(':')[1] }).ToArray();
        var meta = new ExportSidecar
        {
            format = ExportSidecar.Format, format_version = 2, variant = variant, steps = steps,
            all_steps = allSteps, step_input = stepInput == "-" ? null : stepInput, inputs = tensors(inputs),
            one_pass = onePass,
            outputs = outputs.Split(',').Select(x => new SidecarOutput
                { name = x.Split(':')[0], step = int.Parse(x.Split(':')[1]), dtype = x.Split(':')[2] }).ToArray(),
            layout = "NCHW", color = "RGB", value_range = new[] { 0f, 1f }, size_multiple = 4, min_size = 8,
            files = new SidecarFiles(),
            style_encoder = new SidecarStyleEncoder { inputs = tensors("style:float32"), outputs = tensors(encoderOutputs) },
        };
        Console.WriteLine("problems: {0}", string.Join("; ", meta.Problems().ToArray()));
        Console.WriteLine("provides: {0}", string.Join(",", Enumerable.Range(0, steps + 2)
            .Where(meta.Provides).Select(t => t + "@" + meta.OutputIndexForStep(t))));
        Console.WriteLine("workers: {0}", string.Join(",", Enumerable.Range(1, steps)
            .Select(t => t + ":" + meta.WorkerKeyForStep(t, true))));
    }

    static int Main(string[] args)
    {
        switch (args[0])
        {
            case "urp-off":
                UrpEffectOff(int.Parse(args[1]), int.Parse(args[2]), args.Length > 3 && args[3] == "compatibility");
                return 0;
            case "costs":
                Costs(args[1], args[2]);
                return 0;
            case "spread":
                Spread(int.Parse(args[1]), args[2]);
                return 0;
            case "sidecar":
                Sidecar(args[1], int.Parse(args[2]), args[3] == "all", args[4], args[5], args[6], args[7], args[8] == "one-pass");
                return 0;
            case "colour-problem":
                Console.WriteLine("colour problem: {0}", FrameTextures.ColourProblem ?? "none");
                return 0;
            default:
                Console.Error.WriteLine("unknown scenario " + args[0]);
                return 2;
        }
    }
}
