"""What the runtime acts on in an exported model's metadata (the contract itself, keys, types and
versions, is :mod:`rlministyler.contract`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rlministyler.contract import METADATA_KEY, ExportMetadata, loads
from rlministyler.errors import UserError

__all__ = ["METADATA_KEY", "ModelInfo", "from_session_metadata", "parse"]


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


def parse(meta: dict | ExportMetadata, path: Path) -> ModelInfo:
    """Check ``meta`` against the contract and pull out what the runtime needs."""
    if not isinstance(meta, ExportMetadata):
        meta = ExportMetadata.from_dict(meta, path)
    if meta.role == "style_encoder":
        raise UserError(f"{path} is the style encoder of a split model: run {meta.files.model} instead")
    static = meta.static_size
    if static is not None and len(static) != 2:
        raise UserError(f"{path}: metadata field 'static_size' must be [height, width]")
    encoder = meta.style_encoder
    return ModelInfo(
        path=path, variant=meta.variant, steps=meta.steps, all_steps=meta.all_steps,
        outputs={o.step: o.name for o in meta.outputs}, frame_inputs=meta.frame_inputs,
        static_size=(static[0], static[1]) if static else None,
        size_multiple=meta.size_multiple, min_size=meta.min_size, precision=meta.precision,
        style_encoder=path.with_name(meta.files.style_encoder) if meta.files.style_encoder else None,
        style_inputs=tuple(t.name for t in encoder.inputs) if encoder else (),
        style_outputs=tuple(t.name for t in encoder.outputs) if encoder else (),
        style_file=meta.style_file, raw=meta.to_dict())


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
    return parse(loads(text, path), path)
