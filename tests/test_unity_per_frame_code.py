"""The Unity sample's per-frame C# allocates nothing on the managed heap: no ``new`` of a class, no
lambda, no string building, in the methods that run every frame (both pipeline adapters, the shared
core, the command wrappers, the reprojection binding). Textures and tensors are made in the
EnsureResources / EnsureSize methods, which this test leaves out, and so is
CommandBufferFrameCommands.ContinueIterable: its one allocation (an unstarted enumerator, only when URP
hands a new command buffer object) is inside Inference Engine and documented in the README. Made once
and left out too: the built-in path's conversion command buffer (ImmediateFrameCommands.Conversions) and
the URP pass's RTHandle wrappers (BlitterFrameCommands.Wrap: one per texture, again only when textures
are re-created). The readout's text (every 0.25 s) is not rendering work and not checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[1] / "unity_sample" / "Assets" / "RLMiniStyler" / "Runtime"

PER_FRAME = {
    "StylerFrameCore.cs": ["Render", "Capture"],
    "LayerSpread.cs": ["LayersThisFrame"],
    "MotionReprojection.cs": ["Dispatch"],
    "FrameCommands.cs": ["Blit", "ToTensor", "Schedule", "ScheduleIterable", "RenderToTexture", "SetTexture",
                         "SetVector", "SetInt", "Dispatch"],
    "RLMiniStylerCamera.cs": ["OnRenderImage", "SourceIsFlipped", "NoteFrameRendered", "RenderFrame"],
    "URP/RLMiniStylerRenderPass.cs": ["Setup", "Usable", "RecordRenderGraph", "ExecuteRenderGraph",
                                      "Execute"],
    "URP/RLMiniStylerRendererFeature.cs": ["AddRenderPasses"],
    "URP/BlitterFrameCommands.cs": ["Blit", "CopyTo"],
}
# structs: `new` of these does not touch the heap
VALUE_TYPES = {"Vector4", "TextureTransform", "CameraTexture", "MotionSource"}


def method_bodies(source: str, name: str) -> list[str]:
    bodies = []
    for m in re.finditer(rf"\b{name}\s*\([^;{{)]*\)\s*\{{", source):
        depth, start = 0, m.end() - 1
        for i in range(start, len(source)):
            depth += {"{": 1, "}": -1}.get(source[i], 0)
            if depth == 0:
                bodies.append(source[start:i + 1])
                break
    return bodies


def allocations(body: str) -> list[str]:
    found = [m.group(0) for m in re.finditer(r"\bnew\s+(\w+)", body) if m.group(1) not in VALUE_TYPES]
    found += re.findall(r"=>", body)
    found += re.findall(r"\"\s*\+\s*\w|\w\s*\+\s*\"", body)  # string concatenation with a variable
    found += re.findall(r"\bstring\.Format\b|\bToString\(", body)
    return found


@pytest.mark.parametrize("file, methods", PER_FRAME.items())
def test_per_frame_methods_allocate_nothing(file, methods):
    source = (RUNTIME / file).read_text(encoding="utf-8")
    for name in methods:
        bodies = method_bodies(source, name)
        assert bodies, f"{file}: no method {name}"
        for body in bodies:
            assert allocations(body) == [], f"{file}: {name} allocates"


def test_the_check_finds_allocations():
    assert allocations("{ var a = new List<int>(); }") == ["new List"]
    assert allocations("{ cb.SetRenderFunc((d, c) => Run(d)); }") == ["=>"]
    assert allocations('{ Report("frame " + count); }') != []
    assert allocations("{ var v = new Vector4(1f, 0f, 0f, 0f); }") == []
