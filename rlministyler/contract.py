"""The export metadata contract: what ``rlministyler export`` writes into each .onnx (key
``rlministyler``) and its JSON sidecar, and what the runtime, the browser page and the Unity sample
read. Defined once, here (no torch), as dataclasses with a format version; the JSON Schema in
``metadata.schema.json`` is generated from them (``python -m rlministyler.contract``).

Reading checks every field's type and names the first one that is wrong; a model written by a newer
format than this reader knows is refused with the advice to upgrade.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import operator
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from .errors import UserError

METADATA_KEY = "rlministyler"
FORMAT = "rlministyler-onnx"
FORMAT_VERSION = 1  # raise on any change a version-1 reader would misread; adding optional keys is not
OLDEST_READABLE = 1
VARIANTS = ("full", "baked", "split")
TARGETS = ("onnxruntime", "sentis", "barracuda")
PRECISIONS = ("fp32", "fp16", "int8")
SCHEMA_PATH = Path(__file__).with_name("metadata.schema.json")
MAX_JSON_BYTES = 1 << 20  # real metadata is a few KB

Dim = int | str  # a size, or the name of a dynamic axis


@dataclass
class Tensor:
    """An input or output of a graph."""

    name: str
    shape: list[Dim]
    dtype: str


@dataclass
class Output:
    """A frame model output: the stylised image after ``step`` steps."""

    name: str
    shape: list[Dim]
    dtype: str
    step: int


@dataclass
class Files:
    """The files of one export, by name, next to each other."""

    model: str
    style_encoder: str | None = None  # split models only


@dataclass
class StyleEncoder:
    """A split model's style pass: style image in, the style tensors out."""

    inputs: list[Tensor]
    outputs: list[Tensor]


@dataclass
class UpsamplerCheck:
    """An internal-scale output against the runtime's own upsampler, in 8-bit levels."""

    max_levels: int
    over_one_level: float  # the fraction of values more than one level off


@dataclass
class Verification:
    """How the written graph compared with PyTorch when it was exported, per output."""

    max_abs_diff: dict[str, float] | None = None
    psnr_db: dict[str, float] | None = None
    vs_runtime_upsampler_8bit: dict[str, UpsamplerCheck] | None = None  # internal-scale exports
    float64_max_abs_diff: dict[str, dict[str, float]] | None = None  # per output: onnx, pytorch_fp32


@dataclass
class GuidedFilter:
    """The in-graph guided upsampler's parameters (at the low resolution)."""

    radius: int
    eps: float
    guide: str


@dataclass
class Int8Summary:
    """What the mixed-precision int8 search chose and measured."""

    int8_conv_groups: int
    conv_groups: int
    float_conv_groups: list[str]
    target_psnr_db: float
    probe_frames: int
    worst_probe_psnr_db: float
    search_margin_db: float = 0.0
    format: dict[str, str] | None = None
    measured_on_cpu: list[str] | None = None


@dataclass
class ExportMetadata:
    """Everything an export says about itself (the sidecar; the .onnx adds ``role``)."""

    format: Literal["rlministyler-onnx"]
    format_version: int
    package_version: str
    variant: Literal["full", "baked", "split"]
    steps: int
    all_steps: bool
    inputs: list[Tensor]
    outputs: list[Output]
    layout: Literal["NCHW"]
    color: Literal["RGB"]
    value_range: list[float]
    size_multiple: int
    min_size: int
    static_size: list[int] | None
    precision: Literal["fp32", "fp16", "int8"]
    io_dtype: str
    opset: int
    target: Literal["onnxruntime", "sentis", "barracuda"]
    checkpoint_sha256: dict[str, str]
    checkpoint_official: bool
    files: Files
    rewrites: list[str] = field(default_factory=list)
    style_encoder: StyleEncoder | None = None  # split
    style_file: str | None = None  # baked: the style folded in
    style_sha256: str | None = None
    style_size: list[int] | None = None
    int8: Int8Summary | None = None
    verification: Verification | None = None
    internal_scale: float | None = None  # the graph resizes the frame to this fraction of each side inside
    upsample: Literal["guided", "bilinear"] | None = None  # how it comes back to full resolution
    guided_filter: GuidedFilter | None = None
    role: Literal["frame", "style_encoder"] | None = None  # in the .onnx only: which file this is

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: optional keys that are unset are left out; required ones may be null."""
        return _to_json(self)

    @classmethod
    def from_dict(cls, data: Any, source: str | Path = "metadata") -> ExportMetadata:
        """Check ``data`` against the contract and build it; a one-line :class:`UserError` otherwise."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise UserError(f"{source} has no rlministyler metadata: not a model exported by rlministyler")
        version = data.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise UserError(f"{source}: metadata field 'format_version' must be an integer")
        if version > FORMAT_VERSION:
            raise UserError(f"{source} was exported by a newer rlministyler (metadata format {version}; "
                            f"this one reads up to {FORMAT_VERSION}): upgrade rlministyler")
        if version < OLDEST_READABLE:
            raise UserError(f"{source}: metadata format {version} predates format {OLDEST_READABLE}, "
                            "which this rlministyler reads: export the model again")
        return _build(cls, data, "", source)

    @property
    def frame_inputs(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.inputs)


def loads(text: str, source: str | Path = "metadata") -> ExportMetadata:
    """Parse and check metadata JSON text."""
    if len(text) > MAX_JSON_BYTES:
        raise UserError(f"{source}: its rlministyler metadata is {len(text)} bytes, not a real export's")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise UserError(f"{source}: its rlministyler metadata is not valid JSON") from None
    return ExportMetadata.from_dict(data, source)


def _has_default(f: dataclasses.Field) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not (getattr(value, f.name) is None and _has_default(f))}
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _optional(hint: Any) -> tuple[bool, Any]:
    """(whether None is allowed, the hint without None)."""
    if get_origin(hint) in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) < len(get_args(hint)):
            return True, (args[0] if len(args) == 1 else functools.reduce(operator.or_, args))
    return False, hint


def _what(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(hint))
    if origin is list:
        return "a list"
    if origin is dict:
        return "an object"
    if origin in (Union, types.UnionType):
        return " or ".join(_what(a) for a in get_args(hint))
    if dataclasses.is_dataclass(hint):
        return "an object"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}[hint]


def _build(hint: Any, value: Any, where: str, source: str | Path) -> Any:
    """``value`` checked against ``hint`` (recursively); UserError names the field that is wrong."""
    allowed_none, hint = _optional(hint)
    if value is None:
        if allowed_none:
            return None
        raise UserError(f"{source}: metadata field '{where or '.'}' must be {_what(hint)}, not null")

    def wrong() -> UserError:
        shown = json.dumps(value)[:40]
        return UserError(f"{source}: metadata field '{where}' must be {_what(hint)}, got {shown}")

    origin = get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise wrong()
        hints = get_type_hints(hint)
        kwargs = {}
        for f in dataclasses.fields(hint):
            key = f"{where}.{f.name}" if where else f.name
            if f.name not in value:
                if not _has_default(f) and not _optional(hints[f.name])[0]:
                    raise UserError(f"{source}: metadata field '{key}' is missing")
                continue
            kwargs[f.name] = _build(hints[f.name], value[f.name], key, source)
        return hint(**kwargs)
    if origin is Literal:
        if value not in get_args(hint):
            raise wrong()
        return value
    if origin is list:
        if not isinstance(value, list):
            raise wrong()
        (item,) = get_args(hint)
        return [_build(item, v, f"{where}[{i}]", source) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise wrong()
        _, item = get_args(hint)
        return {str(k): _build(item, v, f"{where}.{k}", source) for k, v in value.items()}
    if origin in (Union, types.UnionType):
        for option in get_args(hint):
            try:
                return _build(option, value, where, source)
            except UserError:
                continue
        raise wrong()
    if hint is bool:
        if not isinstance(value, bool):
            raise wrong()
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong()
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong()
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise wrong()
        return value
    raise TypeError(f"no rule for {hint!r}")  # pragma: no cover - a contract definition error


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the sidecar, generated from the dataclasses."""
    defs: dict[str, Any] = {}

    def schema_of(hint: Any) -> dict[str, Any]:
        allowed_none, hint = _optional(hint)
        inner = _schema_of(hint)
        return {"anyOf": [inner, {"type": "null"}]} if allowed_none else inner

    def _schema_of(hint: Any) -> dict[str, Any]:
        origin = get_origin(hint)
        if dataclasses.is_dataclass(hint):
            name = hint.__name__
            if name not in defs:
                defs[name] = {}  # placeholder against recursion
                hints = get_type_hints(hint)
                props = {f.name: schema_of(hints[f.name]) for f in dataclasses.fields(hint)}
                required = [f.name for f in dataclasses.fields(hint) if not _has_default(f)]
                defs[name] = {"type": "object", "description": (hint.__doc__ or "").strip(),
                              "properties": props, "required": required}
            return {"$ref": f"#/$defs/{name}"}
        if origin is Literal:
            return {"enum": list(get_args(hint))}
        if origin is list:
            return {"type": "array", "items": schema_of(get_args(hint)[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": schema_of(get_args(hint)[1])}
        if origin in (Union, types.UnionType):
            return {"anyOf": [schema_of(a) for a in get_args(hint)]}
        return {"type": {int: "integer", float: "number", str: "string", bool: "boolean"}[hint]}

    _schema_of(ExportMetadata)
    body = defs.pop("ExportMetadata")
    body["properties"]["format_version"] = {"type": "integer", "minimum": OLDEST_READABLE,
                                            "maximum": FORMAT_VERSION}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "rlministyler-onnx-metadata",
            "title": "rlministyler export metadata", **body, "$defs": defs}


def schema_text() -> str:
    """The committed schema file's text."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # regenerate the committed schema
    SCHEMA_PATH.write_text(schema_text())
    print(f"wrote {SCHEMA_PATH}")

