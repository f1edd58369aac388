"""Export targets and variants as data: what each engine accepts and what each variant's graph takes.

Adding a target (a TensorRT engine, a web target, Triton) is one more :class:`Target` record; the
exporter reads these records instead of branching on names. No torch here: the CLI builds its help
and choices from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlministyler.spec import REWRITES

STYLE_FIELDS = ("f1_mean", "f1_std", "f2_mean", "f2_std", "w1", "b1", "w2", "b2", "w12", "b12", "w13", "b13")
STYLE_TENSORS = tuple(f"style_{name}" for name in STYLE_FIELDS)
# a distilled export's step with --step-input: int64, shape [1], 1..steps; the last frame input
STEP_INPUT = "step"


@dataclass(frozen=True)
class Target:
    """An engine the export is for."""

    name: str
    summary: str
    opset: int  # the default
    opsets: tuple[int, int]  # the usable range, inclusive
    precisions: tuple[str, ...]
    default_rewrites: tuple[str, ...]
    static_size: bool = False  # --size required (and the style input takes the frame size)
    dense_convs: bool = False  # grouped convs densified, Resize as the exact DepthToSpace form
    importer: str | None = None  # the check-unity engine run on what was written
    urp: bool = False  # the Unity sample schedules it into URP's command buffer: check-unity --urp
    repository: bool = False  # -o is a Triton model repository (export/triton.py), not a file
    batched_style: bool = False  # the style inputs get a batch dimension (requests batch together)


@dataclass(frozen=True)
class Variant:
    """What the frame model takes besides the content, and which files an export writes."""

    name: str
    summary: str
    extra_inputs: tuple[str, ...]  # after "content"
    graph: str  # the frame graph's class in export/unrolled.py: how the style reaches the steps
    style_encoder: bool = False  # a second file: style image -> the style tensors
    needs_style: bool = False  # --style is folded in


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("onnxruntime", "anything onnxruntime runs (int8 too)", 17, (9, 20), ("fp32", "fp16", "int8"),
           REWRITES),
    Target("sentis", "Unity Sentis / Inference Engine: no int8", 15, (9, 15), ("fp32", "fp16"), (),
           importer="sentis", urp=True),
    Target("triton", "a Triton Inference Server model repository (onnxruntime backend), dynamic batching",
           17, (9, 20), ("fp32", "fp16", "int8"), REWRITES, repository=True, batched_style=True),
    Target("barracuda", "Unity Barracuda: static --size, Resize as the exact DepthToSpace form", 9, (9, 9),
           ("fp32", "fp16"), (), static_size=True, dense_convs=True, importer="barracuda"),
)}

VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("full", "inputs content and style; the style pass runs once inside each inference", ("style",),
            "FullGraph"),
    Variant("split", "two files: OUT.onnx (per frame: content + 12 style tensors) and OUT_style.onnx "
            "(style image -> those tensors, run once per style)", STYLE_TENSORS, "FrameGraph",
            style_encoder=True),
    Variant("baked", "the --style image folded into the model; input content only (one model per style)",
            (), "BakedGraph", needs_style=True),
)}
PRECISIONS = ("fp32", "fp16", "int8")


def table() -> str:
    """The targets as a help table: name, default opset and range, precisions, default rewrites."""
    rows = ["target        opset      precisions      default rewrites"]
    for t in TARGETS.values():
        lo, hi = t.opsets
        rng = f"{t.opset} ({lo}-{hi})" if lo != hi else str(t.opset)
        rewrites = ",".join(t.default_rewrites) or "-"
        rows.append(f"{t.name:<13} {rng:<10} {','.join(t.precisions):<15} {rewrites}")
        rows.append(f"{'':<13} {t.summary}")
    return "\n".join("  " + r for r in rows)
