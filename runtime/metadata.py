"""What an exported model says about itself: the metadata ``rlministyler export`` writes into the
.onnx file (key ``rlministyler``) and into the JSON sidecar next to it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rlministyler.errors import UserError

METADATA_KEY = "rlministyler"
FORMAT = "rlministyler-onnx"
FORMAT_VERSION = 1
VARIANTS = ("full", "baked", "split")


@dataclass(frozen=True)
class ModelInfo:
    """The parts of the export metadata the runtime acts on."""

    path: Path
    variant: str
    steps: int
    all_steps: bool
    outputs: dict[int, str]  # step -> output name
    frame_inputs: tuple[str, ...]
    static_size: tuple[int, int] | None  # (height, width)
    size_multiple: int
    min_size: int
    precision: str
    style_encoder: Path | None
    style_inputs: tuple[str, ...]
    style_outputs: tuple[str, ...]
    style_file: str | None
    raw: dict

    @property
    def needs_style(self) -> bool:
        return self.variant in ("full", "split")

    @property
    def default_step(self) -> int:
        return self.steps

    def describe(self) -> str:
        steps = f"steps 1..{self.steps}" if self.all_steps else f"step {self.steps}"
        size = "x".join(map(str, self.static_size)) if self.static_size else "any size"
        style = f", style {self.style_file}" if self.variant == "baked" and self.style_file else ""
        return f"{self.path.name}: {self.variant} model, {steps}, {self.precision}, {size}{style}"


def parse(meta: dict, path: Path) -> ModelInfo:
    """Check that ``meta`` is ours and in a version we read, and pull out what the runtime needs."""
    if meta.get("format") != FORMAT:
        raise UserError(f"{path} has no rlministyler metadata: not a model exported by rlministyler")
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise UserError(f"{path} was exported by a newer rlministyler (format "
                        f"{meta['format_version']}); upgrade the runtime")
    if meta.get("role") == "style_encoder":
        frame = meta.get("files", {}).get("model", "the frame model")
        raise UserError(f"{path} is the style encoder of a split model: run {frame} instead")
    try:
        variant = meta["variant"]
        if variant not in VARIANTS:
            raise UserError(f"{path}: unknown model variant {variant!r}")
        outputs = {int(o["step"]): o["name"] for o in meta["outputs"]}
        static = meta.get("static_size")
        encoder = meta.get("style_encoder") or {}
        encoder_file = meta.get("files", {}).get("style_encoder")
        return ModelInfo(
            path=path, variant=variant, steps=int(meta["steps"]), all_steps=bool(meta["all_steps"]),
            outputs=outputs, frame_inputs=tuple(i["name"] for i in meta["inputs"]),
            static_size=(int(static[0]), int(static[1])) if static else None,
            size_multiple=int(meta.get("size_multiple", 4)), min_size=int(meta.get("min_size", 8)),
            precision=str(meta.get("precision", "fp32")),
            style_encoder=path.with_name(encoder_file) if encoder_file else None,
            style_inputs=tuple(i["name"] for i in encoder.get("inputs", [])),
            style_outputs=tuple(o["name"] for o in encoder.get("outputs", [])),
            style_file=meta.get("style_file"), raw=meta)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise UserError(f"{path}: incomplete rlministyler metadata ({exc!r})") from None


def from_session_metadata(custom: dict[str, str], path: Path) -> ModelInfo:
    """ModelInfo from ``InferenceSession.get_modelmeta().custom_metadata_map``; the JSON sidecar
    next to the model is the fallback for files whose metadata was stripped."""
    text = custom.get(METADATA_KEY)
    if text is None:
        sidecar = path.with_suffix(".json")
        if not sidecar.is_file():
            raise UserError(f"{path} has no rlministyler metadata: not a model exported by rlministyler")
        try:
            text = sidecar.read_text()
        except OSError as exc:
            raise UserError(f"cannot read {sidecar}: {exc.strerror}") from None
    try:
        meta = json.loads(text)
    except json.JSONDecodeError:
        raise UserError(f"{path}: its rlministyler metadata is not valid JSON") from None
    if not isinstance(meta, dict):
        raise UserError(f"{path} has no rlministyler metadata: not a model exported by rlministyler")
    return parse(meta, path)
