"""The one reader of an exported model's metadata: from a file (inside the .onnx, else its JSON
sidecar) or from an onnxruntime session, always through the contract
(:mod:`rlministyler.contract`: keys, types and versions), into :class:`ModelInfo`, the typed view
the runtime, the web builder and the tests act on. No torch; ``onnx`` only to read a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rlministyler.contract import METADATA_KEY, ExportMetadata, loads
from rlministyler.errors import UserError
from rlministyler.spec import MIN_SIZE, SIZE_MULTIPLE, step_error

__all__ = ["METADATA_KEY", "ModelInfo", "from_session_metadata", "model_info", "read_export_metadata",
           "read_metadata", "read_model_info"]


@dataclass(frozen=True)
class ModelInfo:
    """The parts of the export metadata the runtime and the page act on."""

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
    style_static_size: tuple[int, int] | None  # a static `style` input (Barracuda): (height, width)
    metadata: ExportMetadata
    step_input: str | None = None  # a distilled export's step input: every step from its one output

    @property
    def one_pass(self) -> bool:
        """Exported from a distilled model: every output is one pass from the content."""
        return bool(self.metadata.one_pass)

    @property
    def any_step(self) -> bool:
        """Every step 1..steps can be chosen (all-steps outputs, or a step input)."""
        return self.all_steps or self.step_input is not None

    @property
    def needs_style(self) -> bool:
        return self.variant in ("full", "split")

    @property
    def default_step(self) -> int:
        return self.steps

    def describe(self) -> str:
        steps = f"steps 1..{self.steps}" if self.any_step else f"step {self.steps}"
        steps += " (step input)" if self.step_input else ""
        size = "x".join(map(str, self.static_size)) if self.static_size else "any size"
        style = f", style {self.style_file}" if self.variant == "baked" and self.style_file else ""
        return f"{self.path.name}: {self.variant} model, {steps}, {self.precision}, {size}{style}"


def _style_static_size(meta: ExportMetadata) -> tuple[int, int] | None:
    tensors = [*meta.inputs, *(meta.style_encoder.inputs if meta.style_encoder else ())]
    for tensor in tensors:
        if tensor.name == "style" and all(isinstance(d, int) for d in tensor.shape[2:]):
            return int(tensor.shape[2]), int(tensor.shape[3])
    return None


def check_consistent(meta: ExportMetadata, path: Path) -> None:
    """Metadata that agrees with itself: sizes a multiple of the network's, steps in range and one
    output for each step it claims (the graph is checked against it when it opens)."""
    again = "export the model again"
    if meta.size_multiple < 1 or meta.size_multiple % SIZE_MULTIPLE:
        raise UserError(f"{path}: metadata field 'size_multiple' is {meta.size_multiple}, not a multiple of "
                        f"{SIZE_MULTIPLE} (the network halves the frame twice): {again}")
    if meta.min_size < MIN_SIZE:
        raise UserError(f"{path}: metadata field 'min_size' is {meta.min_size}, below {MIN_SIZE}: {again}")
    problem = step_error(meta.steps)
    if problem:
        raise UserError(f"{path}: metadata field 'steps': {problem}")
    steps = sorted(o.step for o in meta.outputs)
    expected = list(range(1, meta.steps + 1)) if meta.all_steps else [meta.steps]
    if steps != expected:
        claim = f"steps 1..{meta.steps}" if meta.all_steps else f"step {meta.steps}"
        raise UserError(f"{path}: its metadata claims {claim} but names outputs for step(s) "
                        f"{', '.join(map(str, steps)) or 'none'}: {again}")


def model_info(meta: dict | ExportMetadata, path: Path) -> ModelInfo:
    """Check ``meta`` against the contract and itself, and pull out what the runtime needs."""
    if not isinstance(meta, ExportMetadata):
        meta = ExportMetadata.from_dict(meta, path)
    if meta.role == "style_encoder":
        raise UserError(f"{path} is the style encoder of a split model: run {meta.files.model} instead")
    check_consistent(meta, path)
    static = meta.static_size
    if static is not None and len(static) != 2:
        raise UserError(f"{path}: metadata field 'static_size' must be [height, width]")
    encoder = meta.style_encoder
    outputs = {o.step: o.name for o in meta.outputs}
    if meta.step_input is not None:
        if meta.step_input not in meta.frame_inputs or meta.all_steps:
            raise UserError(f"{path}: metadata field 'step_input' names {meta.step_input!r}, which is not "
                            "one of its inputs, or comes with all_steps: export the model again")
        outputs = dict.fromkeys(range(1, meta.steps + 1), outputs[meta.steps])  # one output, any step
    return ModelInfo(
        path=path, variant=meta.variant, steps=meta.steps, all_steps=meta.all_steps,
        outputs=outputs, frame_inputs=meta.frame_inputs, step_input=meta.step_input,
        static_size=(static[0], static[1]) if static else None,
        size_multiple=meta.size_multiple, min_size=meta.min_size, precision=meta.precision,
        style_encoder=path.with_name(meta.files.style_encoder) if meta.files.style_encoder else None,
        style_inputs=tuple(t.name for t in encoder.inputs) if encoder else (),
        style_outputs=tuple(t.name for t in encoder.outputs) if encoder else (),
        style_file=meta.style_file, style_static_size=_style_static_size(meta), metadata=meta)


def _sidecar_text(path: Path) -> str:
    sidecar = path.with_suffix(".json")
    if not sidecar.is_file():
        raise UserError(f"{path} has no rlministyler metadata: not a model exported by rlministyler")
    try:
        return sidecar.read_text()
    except OSError as exc:
        raise UserError(f"cannot read {sidecar}: {exc.strerror}") from None


def from_session_metadata(custom: dict[str, str], path: Path) -> ModelInfo:
    """ModelInfo from ``InferenceSession.get_modelmeta().custom_metadata_map``; the JSON sidecar
    next to the model is the fallback for files whose metadata was stripped."""
    text = custom.get(METADATA_KEY)
    return model_info(loads(text if text is not None else _sidecar_text(path), path), path)


def read_export_metadata(path: str | Path) -> ExportMetadata:
    """The checked metadata of ``path``: a ``.json`` sidecar, or an ``.onnx`` file (its metadata,
    else the sidecar beside it)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"model not found: {path}")
    if path.suffix.lower() == ".json":
        try:
            return loads(path.read_text(), path)
        except OSError as exc:
            raise UserError(f"cannot read {path}: {exc.strerror}") from None
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError, ValueError, ... for a corrupt file
        raise UserError(f"{path} is not a readable ONNX model ({type(exc).__name__})") from None
    text = next((p.value for p in model.metadata_props if p.key == METADATA_KEY), None)
    return loads(text if text is not None else _sidecar_text(path), path)


def read_metadata(path: str | Path) -> dict:
    """:func:`read_export_metadata` as the JSON object it is stored as."""
    return read_export_metadata(path).to_dict()


def read_model_info(path: str | Path) -> ModelInfo:
    """:class:`ModelInfo` of the model file ``path``."""
    path = Path(path)
    return model_info(read_export_metadata(path), path)
