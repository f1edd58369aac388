"""onnxruntime-web's runtime files for a site: found, or installed with ``npm ci`` at the version
``package-lock.json`` pins. In order: ``--ort-dir``, ``$RLMINISTYLER_ORT_WEB``, ``node_modules`` beside
the page sources (a checkout's ``web/``, where a missing install is made with ``npm ci`` as in
``scripts/install_browser_deps.sh``), else, for an installed package, a copy installed by ``npm ci``
from the packaged ``package.json`` and lock into the user cache (``<cache>/ort-web``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from rlministyler.cache import cache_root
from rlministyler.errors import UserError

ORT_ENV = "RLMINISTYLER_ORT_WEB"
# the files the page loads: the plain WebAssembly build and the WebGPU build (which also runs
# WebAssembly, with the asyncify module it needs)
ORT_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm",
             "ort.webgpu.min.mjs", "ort-wasm-simd-threaded.asyncify.mjs",
             "ort-wasm-simd-threaded.asyncify.wasm")
LOCK_FILES = ("package.json", "package-lock.json")


def locked_ort_version(web: Path) -> str:
    """The onnxruntime-web version ``web/package-lock.json`` pins."""
    lock = json.loads((web / "package-lock.json").read_text())
    return lock["packages"]["node_modules/onnxruntime-web"]["version"]


def ort_cache_dir() -> Path:
    """Where an installed rlministyler keeps its own onnxruntime-web (``npm ci`` runs there)."""
    return cache_root() / "ort-web"


def find_ort(web: Path, ort_dir: str | Path | None, log: Callable[[str], None],
             checkout: bool) -> tuple[Path, str]:
    """onnxruntime-web's ``dist/`` folder and its version (see the module docstring); ``web`` holds
    ``package.json`` and its lock; ``checkout``: whether ``web`` is a source checkout's folder (npm
    installs there) rather than an installed package's (npm installs into the cache)."""
    wanted = locked_ort_version(web)
    given = ort_dir or os.environ.get(ORT_ENV)
    if given:
        return _given(Path(given), wanted)
    if _installed(web, wanted):
        return _dist(web), wanted
    folder = web if checkout else ort_cache_dir()
    if not checkout and _installed(folder, wanted):
        return _dist(folder), wanted
    _npm_ci(web, folder, wanted, log)
    dist = _dist(folder)
    missing = [f for f in ORT_FILES if not (dist / f).is_file()]
    if missing:
        raise UserError(f"{dist} lacks {', '.join(missing)}: run `npm ci` in {folder} again")
    return dist, _version(dist.parent)


def _given(path: Path, wanted: str) -> tuple[Path, str]:
    dist = path / "dist" if (path / "dist").is_dir() else path
    missing = [f for f in ORT_FILES if not (dist / f).is_file()]
    if missing:
        raise UserError(f"{dist} is not onnxruntime-web's dist/ folder: {', '.join(missing)} missing")
    version = _version(dist.parent)
    if version not in (wanted, "?"):
        raise UserError(f"{dist} is onnxruntime-web {version}; this site is built for {wanted} "
                        f"(web/package-lock.json)")
    return dist, wanted


def _dist(folder: Path) -> Path:
    return folder / "node_modules" / "onnxruntime-web" / "dist"


def _installed(folder: Path, wanted: str) -> bool:
    dist = _dist(folder)
    return _version(dist.parent) == wanted and all((dist / f).is_file() for f in ORT_FILES)


def _version(package_dir: Path) -> str:
    try:
        return json.loads((package_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return "?"


def _npm_ci(web: Path, folder: Path, wanted: str, log: Callable[[str], None]) -> None:
    """``npm ci`` of ``web``'s package.json and lock in ``folder`` (copied there first when it is not
    ``web``)."""
    npm = shutil.which("npm")
    if npm is None:
        if folder == web:
            raise UserError(f"onnxruntime-web {wanted} is not installed in {web / 'node_modules'} and npm "
                            f"is not on PATH: install Node.js and run `npm ci` in {web}, or pass "
                            f"--ort-dir with the dist/ folder of the onnxruntime-web {wanted} npm package")
        raise UserError(f"onnxruntime-web {wanted} is not installed in {folder} and npm is not on PATH: "
                        f"install Node.js (rlministyler web then installs it there), or pass --ort-dir "
                        f"(or set {ORT_ENV}) with the dist/ folder of the onnxruntime-web {wanted} npm "
                        f"package")
    if folder != web:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name in LOCK_FILES:
                shutil.copyfile(web / name, folder / name)
        except OSError as exc:
            raise UserError(f"cannot prepare {folder} for onnxruntime-web: {exc.strerror}") from None
    log(f"installing onnxruntime-web {wanted} with `npm ci` in {folder} (pinned by package-lock.json)")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=folder,
                          capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise UserError(f"`npm ci` in {folder} failed: {' '.join(tail)}")
