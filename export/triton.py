"""``--target triton``: a Triton Inference Server model repository (its onnxruntime backend).

Layout of ``-o REPO`` (built in a staging folder beside it, checked, then renamed into place)::

    REPO/rlministyler/config.pbtxt            the model clients call: the frame model itself (full and
    REPO/rlministyler/1/model.onnx            baked variants) or, for split, an ensemble of the two below
    REPO/rlministyler_frame/...               split: the per-frame model (content + 12 style tensors)
    REPO/rlministyler_style/...               split: the style encoder (style image -> the 12 tensors)
    REPO/rlministyler.json                    the export's metadata (Triton reads only the folders)
    REPO/client_example.py                    a tritonclient HTTP client

Every input has a leading batch dimension (the style tensors too, so that requests with different
styles batch together); dynamic batching and an instance group are on. The check run before the
rename loads every model in onnxruntime with the shapes its config declares, and runs a batch of two
(through the ensemble's steps for split) against each request alone.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rlministyler.errors import UserError
from rlministyler.spec import STYLE_SIZE

if TYPE_CHECKING:  # the plan imports this module's path helpers: no onnx at --help time
    import onnx

ENTRY = "rlministyler"  # the name clients call
FRAME = "rlministyler_frame"
STYLE = "rlministyler_style"
VERSION = "1"
MODEL_FILE = "model.onnx"
SIDECAR = "rlministyler.json"
CLIENT = "client_example.py"
MAX_BATCH = 8
QUEUE_DELAY_US = 2000  # how long the scheduler waits to fill a batch
CHECK_HW = (40, 56)  # the size the repository check runs at (multiples of 4, not square)
TRITON_TYPES = {1: "TYPE_FP32", 10: "TYPE_FP16"}  # onnx.TensorProto.FLOAT, FLOAT16


@dataclass(frozen=True)
class TensorConfig:
    name: str
    data_type: str
    dims: tuple[int, ...]  # without the batch dimension; -1 where dynamic


@dataclass(frozen=True)
class ModelConfig:
    name: str
    max_batch_size: int
    inputs: tuple[TensorConfig, ...]
    outputs: tuple[TensorConfig, ...]
    ensemble_steps: tuple[tuple[str, dict[str, str], dict[str, str]], ...] = ()  # (model, inputs, outputs)

    @property
    def is_ensemble(self) -> bool:
        return bool(self.ensemble_steps)


def staging_folder(out: Path) -> Path:
    """Where the repository is built before it is renamed to ``out`` (beside it: same file system)."""
    return out.with_name(f".{out.name}.partial-{os.getpid()}")


def repository_files(staging: Path, style_encoder: bool) -> dict[str, Path]:
    """The plan's ONNX files inside the staging folder: ``main`` (and ``style`` for split)."""
    files = {"main": staging / (FRAME if style_encoder else ENTRY) / VERSION / MODEL_FILE}
    if style_encoder:
        files["style"] = staging / STYLE / VERSION / MODEL_FILE
    return files


def check_destination(out: Path) -> None:
    """Before any work: ``-o`` for a repository is a new folder or an empty one."""
    if out.suffix.lower() == ".onnx":
        raise UserError(f"-o {out}: --target triton writes a model repository, a folder: drop the .onnx")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"-o {out}: --target triton needs a new or empty folder for its repository")


def _tensor_configs(values: list[onnx.ValueInfoProto], batched: bool) -> tuple[TensorConfig, ...]:
    configs = []
    for value in values:
        kind = value.type.tensor_type
        if kind.elem_type not in TRITON_TYPES:
            raise UserError(f"{value.name}: tensor type {kind.elem_type} has no Triton type here")
        dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in kind.shape.dim)
        configs.append(TensorConfig(value.name, TRITON_TYPES[kind.elem_type], dims[1:] if batched else dims))
    return tuple(configs)


def _batched(model: onnx.ModelProto) -> bool:
    """Every input and output has a dynamic leading dimension: the model batches."""
    return all(v.type.tensor_type.shape.dim[0].dim_param
               for v in (*model.graph.input, *model.graph.output))


def model_config(name: str, model: onnx.ModelProto) -> ModelConfig:
    batched = _batched(model)
    return ModelConfig(name, MAX_BATCH if batched else 0, _tensor_configs(list(model.graph.input), batched),
                       _tensor_configs(list(model.graph.output), batched))


def ensemble_config(frame: ModelConfig, style: ModelConfig) -> ModelConfig:
    """``content`` and ``style`` in, the frame model's outputs out: the style encoder, then the frame."""
    style_tensors = {t.name: t.name for t in style.outputs}
    steps = ((STYLE, {"style": "style"}, style_tensors),
             (FRAME, {"content": "content", **style_tensors}, {t.name: t.name for t in frame.outputs}))
    content = next(t for t in frame.inputs if t.name == "content")
    image = next(t for t in style.inputs if t.name == "style")
    batch = min(frame.max_batch_size, style.max_batch_size)
    return ModelConfig(ENTRY, batch, (content, image), frame.outputs, steps)


def _dims(dims: tuple[int, ...]) -> str:
    return "[ " + ", ".join(str(d) for d in dims) + " ]"


def _tensors(kind: str, tensors: tuple[TensorConfig, ...]) -> list[str]:
    lines = [f"{kind} ["]
    for i, t in enumerate(tensors):
        end = "," if i < len(tensors) - 1 else ""
        lines.append(f'  {{ name: "{t.name}" data_type: {t.data_type} dims: {_dims(t.dims)} }}{end}')
    return [*lines, "]"]


def render_config(config: ModelConfig) -> str:
    """The ``config.pbtxt`` text (protobuf text format of Triton's ModelConfig)."""
    lines = [f'name: "{config.name}"']
    lines.append('platform: "ensemble"' if config.is_ensemble else 'backend: "onnxruntime"')
    lines.append(f"max_batch_size: {config.max_batch_size}")
    lines += _tensors("input", config.inputs) + _tensors("output", config.outputs)
    if config.is_ensemble:
        lines.append("ensemble_scheduling {")
        for model, inputs, outputs in config.ensemble_steps:
            lines += ["  step {", f'    model_name: "{model}"', "    model_version: -1"]
            lines += [f'    input_map {{ key: "{k}" value: "{v}" }}' for k, v in inputs.items()]
            lines += [f'    output_map {{ key: "{k}" value: "{v}" }}' for k, v in outputs.items()]
            lines.append("  }")
        lines.append("}")
    else:
        if config.max_batch_size:
            lines.append(f"dynamic_batching {{ max_queue_delay_microseconds: {QUEUE_DELAY_US} }}")
        lines.append("instance_group [ { count: 1 kind: KIND_AUTO } ]")
    return "\n".join(lines) + "\n"


def configs_for(models: dict[str, onnx.ModelProto]) -> list[ModelConfig]:
    """The repository's configs for the export's models (``main``, and ``style`` for split)."""
    if "style" not in models:
        return [model_config(ENTRY, models["main"])]
    frame, style = model_config(FRAME, models["main"]), model_config(STYLE, models["style"])
    return [frame, style, ensemble_config(frame, style)]


# --- the check ------------------------------------------------------------------------------------
def _feed(config: ModelConfig, rng: np.random.Generator, batch: int) -> dict[str, np.ndarray]:
    feeds = {}
    for t in config.inputs:
        dims = [*t.dims]
        dynamic = [i for i, d in enumerate(dims) if d == -1]
        for i, size in zip(dynamic[-2:], CHECK_HW, strict=False):  # the spatial dimensions
            dims[i] = size
        dims = [1 if d == -1 else d for d in dims]
        shape = [batch, *dims] if config.max_batch_size else dims
        dtype = np.float16 if t.data_type == "TYPE_FP16" else np.float32
        feeds[t.name] = rng.random(shape, dtype=np.float32).astype(dtype)
    return feeds


def _run_chain(sessions: dict, config: ModelConfig, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run ``config`` on ``feeds``: one session, or an ensemble's steps in order."""
    if not config.is_ensemble:
        names = [t.name for t in config.outputs]
        return dict(zip(names, sessions[config.name].run(names, feeds), strict=True))
    values = dict(feeds)
    for model, inputs, outputs in config.ensemble_steps:
        result = sessions[model].run(list(outputs), {k: values[v] for k, v in inputs.items()})
        values.update({outputs[k]: r for k, r in zip(outputs, result, strict=True)})
    return {t.name: values[t.name] for t in config.outputs}


def check_repository(folder: Path, configs: list[ModelConfig]) -> None:
    """Load every model with onnxruntime and run the entry point with the declared shapes: a batch of
    two must give each request's answer alone (the style tensors batch with the content)."""
    import onnxruntime as ort

    sessions = {}
    for config in configs:
        if config.is_ensemble:
            continue
        session = ort.InferenceSession(str(folder / config.name / VERSION / MODEL_FILE),
                                       providers=["CPUExecutionProvider"])
        declared = {t.name for t in config.inputs}
        if {i.name for i in session.get_inputs()} != declared:
            raise UserError(f"triton: {config.name}'s config does not name the model's inputs")
        sessions[config.name] = session
    entry = next(c for c in configs if c.name == ENTRY)
    rng = np.random.default_rng(0)
    batch = 2 if entry.max_batch_size else 1
    feeds = _feed(entry, rng, batch)
    together = _run_chain(sessions, entry, feeds)
    for name, t in ((t.name, t) for t in entry.outputs):
        expected = [batch, *t.dims] if entry.max_batch_size else list(t.dims)
        got = list(together[name].shape)
        if len(got) != len(expected) or any(e not in (-1, g) for e, g in zip(expected, got, strict=True)):
            raise UserError(f"triton: output {name} has shape {got}, its config says {expected}")
    if batch == 2:
        for i in range(batch):
            alone = _run_chain(sessions, entry, {k: v[i:i + 1] for k, v in feeds.items()})
            for name, value in alone.items():
                gap = np.abs(value[0].astype(np.float32) - together[name][i].astype(np.float32)).max()
                if float(gap) > 1e-3:
                    raise UserError(f"triton: a batch of two does not give each request's {name} "
                                    "(the model mixes requests)")


CLIENT_TEXT = '''"""Stylise one image with the {entry} model of this repository on a running Triton server.

    pip install "tritonclient[http]" pillow numpy
    tritonserver --model-repository "$PWD"          # or the NGC container, with this folder mounted
    python client_example.py photo.jpg {style_arg}-o out.png
"""

import argparse

import numpy as np
import tritonclient.http as http
from PIL import Image


def load(path, multiple=4, shorter_side=None):
    image = Image.open(path).convert("RGB")
    if shorter_side:  # the style is encoded at this size, as rlministyler does
        scale = shorter_side / min(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BICUBIC)
    image = np.asarray(image, dtype=np.float32) / 255
    h, w = image.shape[0] // multiple * multiple, image.shape[1] // multiple * multiple
    return image[:h, :w].transpose(2, 0, 1)[None]  # NCHW, RGB in [0, 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("content")
{style_parser}    parser.add_argument("-o", "--output", default="stylized.png")
    parser.add_argument("--url", default="localhost:8000")
    args = parser.parse_args()
    client = http.InferenceServerClient(args.url)
    tensors = {{"content": load(args.content){style_feed}}}
    inputs = []
    for name, value in tensors.items():
        tensor = http.InferInput(name, list(value.shape), "FP32")
        tensor.set_data_from_numpy(value)
        inputs.append(tensor)
    result = client.infer("{entry}", inputs, outputs=[http.InferRequestedOutput("{output}")])
    image = np.clip(result.as_numpy("{output}")[0].transpose(1, 2, 0), 0, 1)
    Image.fromarray((image * 255).round().astype(np.uint8)).save(args.output)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
'''


def client_example(entry: ModelConfig) -> str:
    takes_style = any(t.name == "style" for t in entry.inputs)
    return CLIENT_TEXT.format(
        entry=entry.name, output=entry.outputs[-1].name,
        style_arg="--style art.jpg " if takes_style else "",
        style_parser='    parser.add_argument("--style", required=True)\n' if takes_style else "",
        style_feed=f', "style": load(args.style, shorter_side={STYLE_SIZE})' if takes_style else "")


def finish_repository(staging: Path, out: Path, models: dict[str, onnx.ModelProto],
                      log: Callable[[str], None]) -> list[Path]:
    """Write the configs and the client into ``staging``, check it, then rename it to ``out``; on any
    failure the staging folder (ours) is removed and ``out`` is untouched. Returns the files written."""
    try:
        configs = configs_for(models)
        for config in configs:
            (staging / config.name).mkdir(exist_ok=True)
            (staging / config.name / "config.pbtxt").write_text(render_config(config))
        entry = next(c for c in configs if c.name == ENTRY)
        (staging / CLIENT).write_text(client_example(entry))
        check_repository(staging, configs)
        if out.is_dir():
            out.rmdir()  # empty (checked before any work): never a user's files
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log(f"triton: {len(configs)} model config(s), a batch of two checked against single requests")
    return sorted(p for p in out.rglob("*") if p.is_file())
