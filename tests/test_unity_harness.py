"""The Unity sample's own C#, run under mono against the API stubs (tests/unity_compile/harness): the
logic that needs no GPU. In URP the frames with the effect off reach the readout's OFF line, and the
pass asks for no motion vectors then; Sentis 2.1 is refused in a Linear project (its colour path is
wrong there), not run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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
