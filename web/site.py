"""``rlministyler web``: build a static site that stylises a camera, a video or an image in the
browser with onnxruntime-web (WebGPU, else WebAssembly), from an exported model.

The site holds the page (``app/``), one model per step (an ``--all-steps`` model is pruned to
each chosen step, so the page runs only that step), a split model's style encoder, the style
images given (already scaled as ``rlministyler run`` scales them), ``manifest.json`` (what the page
needs to know about the model: :class:`rlministyler.contract.SiteManifest`) and onnxruntime-web's
runtime files (:mod:`.ort_web`). Nothing is fetched from elsewhere at run time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from rlministyler.runtime.metadata import ModelInfo, read_model_info
from rlministyler.runtime.pruning import prune_to_output

from rlministyler.contract import (
    SITE_FORMAT,
    SITE_FORMAT_VERSION,
    SiteManifest,
    SiteModel,
    SiteOrt,
    SiteStyle,
)
from rlministyler.errors import UserError
from rlministyler.images import read_image, resize_shorter
from rlministyler.onnx_fp16 import to_fp16
from rlministyler.safety import refuse_inputs_inside
from rlministyler.spec import STYLE_SIZE

from . import staging
from .graph import without_space_to_depth
from .ort_web import ORT_FILES, find_ort

WEB_DIR_ENV = "RLMINISTYLER_WEB_DIR"
APP_FILES = ("index.html", "style.css", "main.js", "manifest.js", "engine.js", "worker.js", "sources.js",
             "tensor.js", "gpu_frames.js", "onnx_inputs.js", "styles_store.js", "recorder.js")
# written into every site: a folder holding it was made by this builder, so a rebuild may replace
# what the builder writes there; any other non-empty folder is refused (it may be a user's project)
SITE_MARKER = ".rlministyler-site"
BUILT_PATHS = ("models", "styles", "ort", "manifest.json", *APP_FILES)


@dataclass
class SiteReport:
    """What ``build_site`` wrote."""

    site: Path
    steps: list[int]
    models: list[str]
    styles: list[str]
    ort_version: str
    notes: list[str] = field(default_factory=list)


def web_dir() -> Path:
    """The folder with ``package.json`` and ``app/``: ``$RLMINISTYLER_WEB_DIR``, else this package's
    own folder (a checkout's ``web/``, or the installed package with its packaged page)."""
    folder = Path(os.environ[WEB_DIR_ENV]) if os.environ.get(WEB_DIR_ENV) else Path(__file__).resolve().parent
    if not (folder / "package.json").is_file() or not (folder / "app").is_dir():
        raise UserError(f"the web app sources (package.json, app/) were not found in {folder}: reinstall "
                        f"rlministyler or set {WEB_DIR_ENV}")
    return folder


def _is_checkout(web: Path) -> bool:
    """A source checkout's ``web/`` (npm may install beside it), not an installed package's folder."""
    return bool(os.environ.get(WEB_DIR_ENV)) or (web.parent / "setup.cfg").is_file()


def _choose_steps(info: ModelInfo, steps: Sequence[int] | None) -> list[int]:
    if info.step_input:  # the page holds one model per step; a pruned all-steps one is one pass too
        raise UserError(f"{info.path.name} takes the step as an input, which the page does not feed: "
                        f"export the distilled model with --all-steps --steps {info.steps} instead (each "
                        "step is pruned to one pass)")
    held = sorted(info.outputs)
    if not steps:
        return held
    wrong = [s for s in steps if s not in info.outputs]
    if wrong:
        if info.all_steps:
            raise UserError(f"--steps {','.join(map(str, wrong))}: {info.path.name} has steps "
                            f"1..{info.steps}")
        raise UserError(f"--steps: {info.path.name} was exported for step {info.steps} only; export with "
                        f"--all-steps --steps {max(*wrong, info.steps)} to choose the step in the page")
    return sorted(set(steps))


def _write_style(src: Path, dest: Path, static: tuple[int, int] | None, style_size: int,
                 min_size: int) -> None:
    """The style image scaled as ``rlministyler run`` scales it, as an 8-bit PNG the page feeds as is."""
    rgb = read_image(src)
    if static:
        rgb = cv2.resize(rgb, (static[1], static[0]), interpolation=cv2.INTER_AREA)
    elif style_size:
        rgb = resize_shorter(rgb, style_size)
    if min(rgb.shape[:2]) < min_size:
        raise UserError(f"style image {src} is too small: at least {min_size}x{min_size}")
    pixels = np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)
    if not cv2.imwrite(str(dest), cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)):
        raise UserError(f"cannot write {dest}")


def style_file_name(index: int, style: Path) -> str:
    """The style's path in the site: only letters, digits, '_' and '-' in it, so that no name
    (a '#', '?' or '%' in it) breaks its URL."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", style.stem).strip("_")[:40] or "style"
    return f"styles/{index + 1:02d}_{stem}.png"


def _write_models(info: ModelInfo, steps: list[int], site: Path
                  ) -> tuple[dict[str, str], dict[str, str] | None, str | None]:
    """One model file per step (and, for an fp32 model, an fp16 copy of each for WebGPU adapters
    with shader-f16), and a split model's style encoder: (step -> file, step -> fp16 file, encoder)."""
    files: dict[str, str] = {}
    halves: dict[str, str] | None = {} if info.precision == "fp32" else None
    for step in steps:
        name = f"models/step{step}.onnx"
        if info.all_steps:
            data = prune_to_output(info.path, info.outputs[step])
            if data is None:
                raise UserError("the onnx package is needed to prune an --all-steps model: pip install onnx")
        else:
            data = info.path.read_bytes()
        data = without_space_to_depth(data)
        (site / name).write_bytes(data)
        files[str(step)] = name
        if halves is not None:
            import onnx

            half = f"models/step{step}.fp16.onnx"
            onnx.save(to_fp16(onnx.load_from_string(data)), str(site / half))
            halves[str(step)] = half
    if info.variant != "split":
        return files, halves, None
    assert info.style_encoder is not None
    shutil.copyfile(info.style_encoder, site / "models/style_encoder.onnx")
    return files, halves, "models/style_encoder.onnx"


def build_site(model: str | Path, output: str | Path, *, styles: Sequence[str | Path] = (),
               steps: Sequence[int] | None = None, ort_dir: str | Path | None = None,
               style_size: int = STYLE_SIZE, log: Callable[[str], None] = print) -> SiteReport:
    """Write the static site for ``model`` into ``output``; see the module docstring."""
    inputs = [("model", model), *(("--style", s) for s in styles), ("--ort-dir", ort_dir)]
    refuse_inputs_inside("-o", output, inputs)
    path = Path(model)
    info = read_model_info(path)
    refuse_inputs_inside("-o", output, [("style encoder", info.style_encoder)])
    chosen = _choose_steps(info, steps)
    if info.variant == "baked" and styles:
        raise UserError(f"{path.name} has its style baked in ({info.style_file or 'at export'}); "
                        f"--style is not used with it")
    encoder = info.style_encoder
    if info.variant == "split" and (encoder is None or not encoder.is_file()):
        raise UserError(f"style encoder of the split model not found: {encoder}")
    style_paths = [Path(s) for s in styles]
    for style in style_paths:
        if not style.is_file():
            raise UserError(f"style image not found: {style}")
    for onnx_file in (path, encoder):
        if onnx_file is not None:
            staging.check_single_file(onnx_file)
    web = web_dir()
    dist, version = find_ort(web, ort_dir, log, checkout=_is_checkout(web))
    site = Path(output)
    staging.check_target(site, SITE_MARKER)
    building = staging.staging_folder(site)
    staging.discard(building)
    try:
        report = _write_site(building, info, chosen, style_paths, dist, version, web, style_size)
        staging.swap_in(building, site, SITE_MARKER, BUILT_PATHS)
    except BaseException:  # Ctrl-C included: -o keeps the last site, or stays as it was
        staging.discard(building)
        raise
    report.site = site
    return report


def _write_site(site: Path, info: ModelInfo, chosen: list[int], style_paths: list[Path], dist: Path,
                version: str, web: Path, style_size: int) -> SiteReport:
    """Everything into ``site`` (the staging folder), read back before it is swapped in."""
    path = info.path
    site.mkdir(parents=True)
    (site / SITE_MARKER).write_text("made by rlministyler web; a rebuild replaces models/, styles/, ort/, "
                                    "manifest.json and the page's files here\n")
    for sub in ("models", "styles", "ort"):
        (site / sub).mkdir()

    files, halves, encoder_file = _write_models(info, chosen, site)
    static_style = info.style_static_size
    site_styles = []
    for index, style in enumerate(style_paths):
        dest = style_file_name(index, style)
        _write_style(style, site / dest, static_style, style_size, info.min_size)
        site_styles.append(SiteStyle(name=style.name, file=dest))

    for name in ORT_FILES:
        shutil.copyfile(dist / name, site / "ort" / name)
    licence = dist.parent / "LICENSE"
    if licence.is_file():
        shutil.copyfile(licence, site / "ort" / "LICENSE")
    for name in APP_FILES:
        shutil.copyfile(web / "app" / name, site / name)

    manifest = SiteManifest(
        format=SITE_FORMAT, format_version=SITE_FORMAT_VERSION,
        model=SiteModel(
            name=path.name, variant=info.variant, steps=chosen, files=files,
            outputs={str(s): info.outputs[s] for s in chosen}, style_encoder=encoder_file,
            style_input=info.style_inputs[0] if info.style_inputs else "style",
            style_tensors=list(info.style_outputs), size_multiple=info.size_multiple,
            min_size=info.min_size, static_size=list(info.static_size) if info.static_size else None,
            style_size=style_size, style_static_size=list(static_style) if static_style else None,
            precision=info.precision, baked_style=info.style_file, files_fp16=halves),
        styles=site_styles,
        ort=SiteOrt(version=version, dir="ort/", wasm="ort/ort.wasm.min.mjs",
                    webgpu="ort/ort.webgpu.min.mjs"))
    (site / "manifest.json").write_text(json.dumps(manifest.to_dict(), indent=2) + "\n")
    staging.read_back(site, info, files, encoder_file)
    if halves:
        staging.read_back(site, info, halves, None)
    notes = []
    if info.needs_style and not site_styles:
        notes.append(f"no --style given: a {info.variant} model needs one; upload a style in the page")
    written = [*files.values(), *(halves or {}).values(), *([encoder_file] if encoder_file else [])]
    return SiteReport(site, chosen, written,
                      [s.file for s in site_styles], version, notes)
