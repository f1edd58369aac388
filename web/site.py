"""``rlministyler web``: build a static site that stylises a camera, a video or an image in the
browser with onnxruntime-web (WebGPU, else WebAssembly), from an exported model.

The site holds the page (``web/app``), one model per step (an ``--all-steps`` model is pruned to
each chosen step, so the page runs only that step), a split model's style encoder, the style
images given (already scaled as ``rlministyler run`` scales them), ``manifest.json`` (what the page
needs to know about the model) and onnxruntime-web's runtime files, copied from the npm install
that ``web/package-lock.json`` pins. Nothing is fetched from elsewhere at run time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from rlministyler.errors import UserError
from rlministyler.images import read_image, resize_shorter

from .metadata import ModelInfo, read_model_info
from .stylizer import DEFAULT_STYLE_SIZE, prune_to_output

SITE_FORMAT = "rlministyler-web"
APP_FILES = ("index.html", "style.css", "main.js", "engine.js", "worker.js", "sources.js", "tensor.js")
# onnxruntime-web's files the page loads: the plain WebAssembly build and the WebGPU build (which
# also runs WebAssembly, with the asyncify module it needs)
ORT_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm",
             "ort.webgpu.min.mjs", "ort-wasm-simd-threaded.asyncify.mjs",
             "ort-wasm-simd-threaded.asyncify.wasm")
ORT_ENV = "RLMINISTYLER_ORT_WEB"


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
    """The folder with ``package.json`` and ``app/`` (``$RLMINISTYLER_WEB_DIR`` or the repository's
    ``web/``, found upward from this file)."""
    if os.environ.get("RLMINISTYLER_WEB_DIR"):
        return Path(os.environ["RLMINISTYLER_WEB_DIR"])
    for parent in Path(__file__).resolve().parents:
        if (parent / "web" / "package.json").is_file():
            return parent / "web"
    raise UserError("the web app sources (web/package.json, web/app/) were not found: run from a "
                    "checkout of rlministyler or set RLMINISTYLER_WEB_DIR")


def locked_ort_version(web: Path) -> str:
    """The onnxruntime-web version ``web/package-lock.json`` pins."""
    lock = json.loads((web / "package-lock.json").read_text())
    return lock["packages"]["node_modules/onnxruntime-web"]["version"]


def find_ort(web: Path, ort_dir: str | Path | None, log: Callable[[str], None]) -> tuple[Path, str]:
    """onnxruntime-web's ``dist/`` folder and its version: ``ort_dir`` (or ``$RLMINISTYLER_ORT_WEB``),
    else ``web/node_modules`` (made with ``npm ci`` when missing and npm is there)."""
    wanted = locked_ort_version(web)
    given = ort_dir or os.environ.get(ORT_ENV)
    if given:
        dist = Path(given)
        dist = dist / "dist" if (dist / "dist").is_dir() else dist
        missing = [f for f in ORT_FILES if not (dist / f).is_file()]
        if missing:
            raise UserError(f"{dist} is not onnxruntime-web's dist/ folder: {', '.join(missing)} missing")
        package = dist.parent / "package.json"
        version = json.loads(package.read_text()).get("version", "?") if package.is_file() else "?"
        if version not in (wanted, "?"):
            raise UserError(f"{dist} is onnxruntime-web {version}; this site is built for {wanted} "
                            f"(web/package-lock.json)")
        return dist, version if version != "?" else wanted
    package_dir = web / "node_modules" / "onnxruntime-web"
    if not (package_dir / "package.json").is_file() or _version(package_dir) != wanted:
        npm = shutil.which("npm")
        if npm is None:
            raise UserError(f"onnxruntime-web {wanted} is not installed in {web / 'node_modules'} and npm "
                            f"is not on PATH: install Node.js and run `npm ci` in {web}, or pass "
                            f"--ort-dir with the dist/ folder of the onnxruntime-web {wanted} npm package")
        log(f"installing onnxruntime-web {wanted} with `npm ci` in {web} (pinned by package-lock.json)")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=web,
                              capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise UserError(f"`npm ci` in {web} failed: {' '.join(tail)}")
    dist = package_dir / "dist"
    missing = [f for f in ORT_FILES if not (dist / f).is_file()]
    if missing:
        raise UserError(f"{dist} lacks {', '.join(missing)}: run `npm ci` in {web} again")
    return dist, _version(package_dir)


def _version(package_dir: Path) -> str:
    try:
        return json.loads((package_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def _choose_steps(info: ModelInfo, steps: Sequence[int] | None) -> list[int]:
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


def _prepare_output(site: Path) -> None:
    if site.exists() and not site.is_dir():
        raise UserError(f"-o {site}: a file of that name exists; give a folder")
    if site.is_dir() and any(site.iterdir()) and not (site / "manifest.json").is_file():
        raise UserError(f"-o {site}: the folder is not empty and is not a site built by rlministyler web; "
                        f"give a new or empty folder")
    for sub in ("models", "styles", "ort"):
        if (site / sub).is_dir():
            shutil.rmtree(site / sub)  # a rebuild replaces the last build's files
    site.mkdir(parents=True, exist_ok=True)


def build_site(model: str | Path, output: str | Path, *, styles: Sequence[str | Path] = (),
               steps: Sequence[int] | None = None, ort_dir: str | Path | None = None,
               style_size: int = DEFAULT_STYLE_SIZE, log: Callable[[str], None] = print) -> SiteReport:
    """Write the static site for ``model`` into ``output``; see the module docstring."""
    from rlministyler.safety import refuse_inputs_inside
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
    web = web_dir()
    app = web / "app"
    dist, version = find_ort(web, ort_dir, log)
    site = Path(output)
    _prepare_output(site)
    for sub in ("models", "styles", "ort"):
        (site / sub).mkdir()

    files: dict[str, str] = {}
    for step in chosen:
        name = f"models/step{step}.onnx"
        if info.all_steps:
            data = prune_to_output(path, info.outputs[step])
            if data is None:
                raise UserError("the onnx package is needed to prune an --all-steps model: pip install onnx")
            (site / name).write_bytes(data)
        else:
            shutil.copyfile(path, site / name)
        files[str(step)] = name
    encoder_file = None
    if info.variant == "split":
        assert encoder is not None
        encoder_file = "models/style_encoder.onnx"
        shutil.copyfile(encoder, site / encoder_file)

    static_style = info.style_static_size
    site_styles = []
    for index, style in enumerate(style_paths):
        dest = f"styles/{index + 1:02d}_{style.stem}.png"
        _write_style(style, site / dest, static_style, style_size, info.min_size)
        site_styles.append({"name": style.name, "file": dest})

    for name in ORT_FILES:
        shutil.copyfile(dist / name, site / "ort" / name)
    licence = dist.parent / "LICENSE"
    if licence.is_file():
        shutil.copyfile(licence, site / "ort" / "LICENSE")
    for name in APP_FILES:
        shutil.copyfile(app / name, site / name)

    manifest = {
        "format": SITE_FORMAT, "format_version": 1,
        "model": {
            "name": path.name, "variant": info.variant, "steps": chosen, "files": files,
            "outputs": {str(s): info.outputs[s] for s in chosen}, "style_encoder": encoder_file,
            "style_input": info.style_inputs[0] if info.style_inputs else "style",
            "style_tensors": list(info.style_outputs), "size_multiple": info.size_multiple,
            "min_size": info.min_size, "static_size": list(info.static_size) if info.static_size else None,
            "style_size": style_size, "style_static_size": list(static_style) if static_style else None,
            "precision": info.precision, "baked_style": info.style_file,
        },
        "styles": site_styles,
        "ort": {"version": version, "dir": "ort/", "wasm": "ort/ort.wasm.min.mjs",
                "webgpu": "ort/ort.webgpu.min.mjs"},
    }
    (site / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    notes = []
    if info.needs_style and not site_styles:
        notes.append(f"no --style given: a {info.variant} model needs one; upload a style in the page")
    return SiteReport(site, chosen, list(files.values()) + ([encoder_file] if encoder_file else []),
                      [s["file"] for s in site_styles], version, notes)
