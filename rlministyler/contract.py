"""The contracts, defined once here (no torch) as dataclasses with a format version:

- the export metadata: what ``rlministyler export`` writes into each .onnx (key ``rlministyler``) and
  its JSON sidecar, and what the runtime, the browser page and the Unity sample read;
- the web manifest: the ``manifest.json`` that ``rlministyler web`` writes beside the page, and that
  the page (``web/app/manifest.js``) reads.

Their JSON Schemas, ``metadata.schema.json`` and ``manifest.schema.json``, are generated from them
(``python -m rlministyler.contract``). Reading checks every field's type and names the first one that
is wrong (:mod:`rlministyler.typed_json`); a record written by a newer format than this reader knows is
refused with the advice to upgrade.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import typed_json
from .errors import UserError
from .spec import UPSAMPLERS

METADATA_KEY = "rlministyler"
FORMAT = "rlministyler-onnx"
FORMAT_VERSION = 2  # raise on any change a version-1 reader would misread; adding optional keys is not
# format 2: ``step_input`` (a distilled model's step as a frame input), which a version-1 reader would
# not feed; exports without one are still written as format 1, so every reader reads them
STEP_INPUT_FORMAT = 2
OLDEST_READABLE = 1
VARIANTS = ("full", "baked", "split")
TARGETS = ("onnxruntime", "sentis", "barracuda", "triton")
PRECISIONS = ("fp32", "fp16", "int8")
SCHEMA_PATH = Path(__file__).with_name("metadata.schema.json")
SITE_FORMAT = "rlministyler-web"  # a site's manifest.json
SITE_FORMAT_VERSION = 1
SITE_OLDEST_READABLE = 1
MANIFEST_SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")
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
    target: Literal["onnxruntime", "sentis", "barracuda", "triton"]
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
    upsample: Literal[UPSAMPLERS] | None = None  # how it comes back to full resolution
    guided_filter: GuidedFilter | None = None
    # sentis: each Conv's multiply-accumulates per content pixel, in graph order (export/layer_costs.py);
    # the Unity sample spreads an inference over frames by it
    conv_macs: list[float] | None = None
    # a distilled export with --step-input: the name of its step input (int64, shape [1], 1..steps); its
    # one output (``step`` = steps, the largest) shows the step fed
    step_input: str | None = None
    # exported from a distilled model: every output is one pass from the content, so a reader that shows
    # one step of an all-steps export prunes the graph to that output, the last step's included
    one_pass: bool | None = None
    role: Literal["frame", "style_encoder"] | None = None  # in the .onnx only: which file this is

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: optional keys that are unset are left out; required ones may be null."""
        return typed_json.to_json(self)

    @classmethod
    def from_dict(cls, data: Any, source: str | Path = "metadata") -> ExportMetadata:
        """Check ``data`` against the contract and build it; a one-line :class:`UserError` otherwise."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise UserError(f"{source} has no rlministyler metadata: not a model exported by rlministyler")
        typed_json.check_version(data, source, "metadata", FORMAT_VERSION, OLDEST_READABLE, made="exported",
                                 again="export the model again")
        return typed_json.build(cls, data, source, "metadata")

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


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the sidecar, generated from the dataclasses."""
    return typed_json.json_schema(ExportMetadata, schema_id="rlministyler-onnx-metadata",
                                  title="rlministyler export metadata",
                                  versions=(OLDEST_READABLE, FORMAT_VERSION))


def schema_text() -> str:
    """The committed metadata schema file's text."""
    return typed_json.schema_text(json_schema())


# --- the web manifest ----------------------------------------------------------------------------
@dataclass
class SiteModel:
    """The model as the page runs it: one file per step, its tensors' names and its sizes."""

    name: str  # the exported file the site was built from
    variant: Literal["full", "baked", "split"]
    steps: list[int]  # the steps the site holds, ascending
    files: dict[str, str]  # step -> the model file that runs it
    outputs: dict[str, str]  # step -> that file's output name
    style_encoder: str | None  # split models: the style encoder's file
    style_input: str  # the style image's input name (the encoder's for split models)
    style_tensors: list[str]  # split models: the encoder's outputs, fed to each step's model
    size_multiple: int
    min_size: int
    static_size: list[int] | None  # [height, width] of a static frame input
    style_size: int  # a style's shorter side as it is encoded; 0: as given
    style_static_size: list[int] | None  # [height, width] of a static style input
    precision: Literal["fp32", "fp16", "int8"]
    baked_style: str | None  # baked models: the style folded in
    # fp32 sites: step -> an fp16 copy, which WebGPU runs where the adapter has shader-f16
    files_fp16: dict[str, str] | None = None


@dataclass
class SiteStyle:
    """A style image in the page's picker, already scaled as the model encodes it."""

    name: str  # the file it was made from
    file: str  # its path in the site


@dataclass
class SiteOrt:
    """Where the site holds onnxruntime-web's files, and their version."""

    version: str
    dir: str  # the folder of the .wasm files
    wasm: str  # the WebAssembly build's module
    webgpu: str  # the WebGPU build's module


@dataclass
class SiteManifest:
    """Everything the page of ``rlministyler web`` needs to know about the site it is served from."""

    format: Literal["rlministyler-web"]
    format_version: int
    model: SiteModel
    styles: list[SiteStyle]
    ort: SiteOrt

    def to_dict(self) -> dict[str, Any]:
        """The JSON object ``manifest.json`` holds."""
        return typed_json.to_json(self)

    @classmethod
    def from_dict(cls, data: Any, source: str | Path = "manifest.json") -> SiteManifest:
        """Check ``data`` against the contract and build it; a one-line :class:`UserError` otherwise."""
        if not isinstance(data, dict) or data.get("format") != SITE_FORMAT:
            raise UserError(f"{source} is not the manifest of a site built by rlministyler web")
        typed_json.check_version(data, source, "manifest", SITE_FORMAT_VERSION, SITE_OLDEST_READABLE,
                                 made="built", again="build the site again")
        return typed_json.build(cls, data, source, "manifest")


def read_manifest(path: str | Path) -> SiteManifest:
    """A site's ``manifest.json``, checked."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise UserError(f"{path} is not valid JSON") from None
    return SiteManifest.from_dict(data, path)


def manifest_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a site's ``manifest.json``."""
    return typed_json.json_schema(SiteManifest, schema_id="rlministyler-web-manifest",
                                  title="rlministyler web site manifest",
                                  versions=(SITE_OLDEST_READABLE, SITE_FORMAT_VERSION))


def manifest_schema_text() -> str:
    """The committed manifest schema file's text."""
    return typed_json.schema_text(manifest_json_schema())


if __name__ == "__main__":  # regenerate the committed schemas
    for path, text in ((SCHEMA_PATH, schema_text()), (MANIFEST_SCHEMA_PATH, manifest_schema_text())):
        path.write_text(text)
        print(f"wrote {path}")
