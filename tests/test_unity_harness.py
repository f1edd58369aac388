"""The Unity sample's own C#, run under mono against the API stubs (tests/unity_compile/harness): the
logic that needs no GPU. In URP the frames with the effect off reach the readout's OFF line, and the
pass asks for no motion vectors then; Sentis 2.1 is refused in a Linear project (its colour path is
wrong there), not run; Frames Per Inference spreads the layers by the convolutions' cost as the NumPy
reference ``spread`` below does, which evens out the frames."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
STUBS = ROOT / "tests" / "unity_compile"
RUNTIME = sorted(p for p in (ROOT / "unity_sample" / "Assets").rglob("*.cs") if "Editor" not in p.parts)
SKIP_FRAMES = 5  # FrameStats.Reset(5) when the component is enabled

# flavour -> (stub defines, sample defines)
FLAVOURS = {
    "compatibility": ("STUB_URP_COMPATIBILITY", "STUB_URP_COMPATIBILITY"),
    "render-graph": ("", "UNITY_6000_3_OR_NEWER"),
    "sentis-2.1": ("STUB_SENTIS_2_1;STUB_URP_COMPATIBILITY",
                   "STUB_URP_COMPATIBILITY;RLMINISTYLER_SENTIS_2_1"),
}

pytestmark = pytest.mark.skipif(
    shutil.which("mcs") is None or shutil.which("mono") is None,
    reason="mcs and mono (Debian packages mono-mcs, mono-runtime) are not installed")


def _mcs(*args: str) -> None:
    command = ["mcs", "-nologo", "-langversion:latest", "-r:System.dll", "-r:System.Core.dll", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    """flavour -> a function running the harness with arguments and returning its output."""
    out = tmp_path_factory.mktemp("harness")
    built = {}

    def run(flavour: str, *args: str) -> str:
        if flavour not in built:
            stub_defines, sample_defines = FLAVOURS[flavour]
            stubs, exe = out / f"{flavour}.Engine.dll", out / f"{flavour}.exe"
            _mcs("-target:library", f"-out:{stubs}", *([f"-define:{stub_defines}"] if stub_defines else []),
                 *(str(STUBS / f) for f in ("UnityEngine.cs", "InputSystem.cs", "InferenceEngine.cs",
                                            "UniversalRP.cs")))
            _mcs("-target:exe", f"-out:{exe}", f"-r:{stubs}", f"-define:{sample_defines}",
                 *map(str, RUNTIME), str(STUBS / "harness" / "SampleHarness.cs"))
            built[flavour] = exe
        result = subprocess.run(["mono", str(built[flavour]), *args], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.strip()

    return run


@pytest.mark.parametrize("flavour", ["render-graph", "compatibility"])
def test_urp_measures_the_frames_with_the_effect_off(harness, flavour):
    frames = 12
    args = ("urp-off", str(frames), "4") + (("compatibility",) if flavour == "compatibility" else ())
    assert harness(flavour, *args) == f"on 0 off {frames - SKIP_FRAMES} input None"


def test_sentis_2_1_is_refused_in_a_linear_project(harness):
    # the stubs' QualitySettings.activeColorSpace is Linear
    refused = harness("sentis-2.1", "colour-problem")
    assert refused.startswith("colour problem: Sentis 2.1 in a Linear colour-space project")
    assert "com.unity.ai.inference 2.2" in refused
    assert harness("render-graph", "colour-problem") == "colour problem: none"


# --------------------------------------------------------------------------------------------------
# Spreading an inference over frames by the convolutions' cost (LayerSpread.cs)

# A frame model's shape (step 1 of the split export, per content pixel): a 9x9 convolution at full
# resolution, two strided ones, residual blocks at 1/4, upsampling and the 9x9 output convolution, with
# free layers (activations, adds, normalisation) between them.
PROFILE_OPS = (["Pad", "Conv", "Relu", "Pad", "Conv", "Relu", "Pad", "Conv", "Relu"]
               + ["Pad", "Conv", "Relu", "Pad", "Conv", "Add"] * 5
               + ["Resize", "Pad", "Conv", "Relu"] * 2 + ["Pad", "Conv"])
PROFILE_MACS = [7776.0, 1152.0, 1152.0] + [2304.0, 2304.0] * 5 + [4608.0, 4608.0, 7776.0]


def spread(cumulative: np.ndarray, n: int) -> list[int]:
    """Layers per frame: frame f ends at the layer whose cumulative cost is nearest (f + 1) / n of the
    total (at least one layer), the last frame takes the rest."""
    counts, done = [], 0
    for frame in range(n):
        if done >= len(cumulative):
            counts.append(0)
            continue
        if frame == n - 1:
            counts.append(len(cumulative) - done)
            done = len(cumulative)
            continue
        target = cumulative[-1] * (frame + 1) / n
        end = done
        while end < len(cumulative) and cumulative[end] <= target:
            end += 1
        before = cumulative[end - 1] if end > 0 else 0.0
        if end < len(cumulative) and cumulative[end] - target < target - before:
            end += 1
        counts.append(max(1, end - done))
        done += counts[-1]
    return counts


def frame_costs(cumulative: np.ndarray, counts: list[int]) -> list[float]:
    ends = np.cumsum(counts)
    starts = ends - np.array(counts)
    return [float(cumulative[e - 1] - (cumulative[s - 1] if s > 0 else 0.0)) if e > s else 0.0
            for s, e in zip(starts, ends, strict=True)]


def test_costs_follow_the_conv_layers_and_refuse_another_exports_list(harness):
    costs = harness("render-graph", "costs", "Pad,Conv,Relu,Conv,Add,Conv", "10,20,30")
    assert costs == "0,10,10,30,30,60"
    # a model cut at an earlier step keeps a prefix of the convolutions
    assert harness("render-graph", "costs", "Conv,Relu,Conv", "10,20,30") == "10,10,30"
    assert harness("render-graph", "costs", "Conv,Conv,Conv,Conv", "10,20,30") == "none"


@pytest.mark.parametrize("n", [2, 3, 4, 8])
def test_layers_are_spread_by_cost_as_the_reference_does(harness, n):
    ops, macs = ",".join(PROFILE_OPS), ",".join(str(m) for m in PROFILE_MACS)
    cumulative = np.array([float(x) for x in harness("render-graph", "costs", ops, macs).split(",")])
    assert len(cumulative) == len(PROFILE_OPS) and cumulative[-1] == sum(PROFILE_MACS)
    printed = harness("render-graph", "spread", str(n), ",".join(map(str, cumulative)))
    counts = [int(c) for c in printed.split(",")]
    assert counts == spread(cumulative, n) and sum(counts) == len(PROFILE_OPS)

    # against an equal count of layers a frame (what the sample did before), the worst frame is cheaper
    equal = -(-(len(cumulative) + 1) // n)
    equal_counts = [min(equal, len(cumulative) - equal * f) for f in range(n)]
    equal_counts = [max(0, c) for c in equal_counts]
    by_cost, by_count = max(frame_costs(cumulative, counts)), max(frame_costs(cumulative, equal_counts))
    mean = cumulative[-1] / n
    assert by_cost < by_count
    assert by_cost <= mean + max(PROFILE_MACS)  # off the even share by at most one layer


def _sidecar_args(meta: dict, **change) -> list[str]:
    """The harness's `sidecar` arguments for an export's sidecar ``meta`` (``change`` overrides)."""
    meta = {**meta, **change}
    tensors = ",".join(f"{t['name']}:{t['dtype']}" for t in meta["inputs"])
    outputs = ",".join(f"{o['name']}:{o['step']}:{o['dtype']}" for o in meta["outputs"])
    encoder = meta.get("style_encoder") or {"outputs": []}
    return ["sidecar", meta["variant"], str(meta["steps"]), "all" if meta["all_steps"] else "one",
            meta.get("step_input") or "-", tensors, outputs,
            ",".join(f"{t['name']}:{t['dtype']}" for t in encoder["outputs"]),
            "one-pass" if meta.get("one_pass") else "sequence"]


def test_the_sample_takes_a_distilled_step_input_export(harness, tmp_path, distilled, weights_dir):
    """The sidecar of a real --step-input export: no problems, every step from output 0 (one worker);
    the all-steps export of the same model: step k from output k-1, each step (the last too) through the
    graph trimmed to its output; the official all-steps export runs its last step whole; a float step is
    refused."""
    import json

    from rlministyler.export.exporter import ExportOptions, export_model

    metas = {}
    for name, model, extra in (("one", str(distilled), {"step_input": True}),
                               ("all", str(distilled), {"all_steps": True}),
                               ("official", "official", {"all_steps": True, "checkpoint": str(weights_dir)})):
        result = export_model(ExportOptions(output=tmp_path / f"{name}.onnx", model=model, steps=4,
                                            variant="split", target="sentis", size=(64, 64), quiet=True,
                                            **extra))
        metas[name] = json.loads(result.sidecar.read_text())
    lines = harness("compatibility", *_sidecar_args(metas["one"])).splitlines()
    assert lines == ["problems: ", "provides: 1@0,2@0,3@0,4@0", "workers: 1:0,2:0,3:0,4:0"]
    lines = harness("compatibility", *_sidecar_args(metas["all"])).splitlines()
    assert lines == ["problems: ", "provides: 1@0,2@1,3@2,4@3", "workers: 1:1,2:2,3:3,4:4"]
    lines = harness("compatibility", *_sidecar_args(metas["official"])).splitlines()
    assert lines == ["problems: ", "provides: 1@0,2@1,3@2,4@3", "workers: 1:1,2:2,3:3,4:0"]
    floats = [dict(t, dtype="float32") if t["name"] == "step" else t for t in metas["one"]["inputs"]]
    lines = harness("compatibility", *_sidecar_args(metas["one"], inputs=floats)).splitlines()
    assert lines[0] == "problems: step input 'step' is float32 (the sample feeds int64)"
