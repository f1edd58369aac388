"""The wheel a user installs: one top-level name, and it works from any folder.

Builds the wheel from a copy of the tracked sources, installs it (not editable) into a fresh virtual
environment and runs the command from a folder holding decoy ``runtime/``, ``export/``,
``training/``, ``benchmarks/`` and ``web/`` packages. The dependencies come from this environment's
site-packages through PYTHONPATH (it holds no ``rlministyler`` folder: the editable install is a
finder that only its own .pth activates), so nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DECOYS = ("runtime", "export", "training", "benchmarks", "web", "engines")
ORT_WEB_DIST = ROOT / "web" / "node_modules" / "onnxruntime-web" / "dist"


def _copy_sources(dest: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot tell the tracked sources")
    for name in listed.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    _copy_sources(src)
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(src)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (built,) = out.glob("rlministyler-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its python."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                           "--no-deps", str(wheel)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return python


def _decoy_folder(tmp_path: Path) -> Path:
    for name in DECOYS:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("raise ImportError('decoy package imported')\n")
    return tmp_path


def _run(python: Path, args: list[str], cwd: Path, **env_vars: str) -> subprocess.CompletedProcess:
    deps = sysconfig.get_paths()["purelib"]
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "PYTHONPATH": deps, "HOME": str(cwd), **env_vars}
    return subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_wheel_has_one_top_level_name(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        assert z.read(top_level).decode().split() == ["rlministyler"]
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"rlministyler"}
    for package in ("training/model", "training/train", *DECOYS):
        assert f"rlministyler/{package}/__init__.py" in names, package


def test_every_source_module_is_in_the_wheel(wheel):
    """A folder missing from setup.cfg's package list would silently drop out of the wheel."""
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    for folder in DECOYS:
        for path in (p for p in (ROOT / folder).rglob("*.py") if "node_modules" not in p.parts):
            assert f"rlministyler/{path.relative_to(ROOT)}" in names, path


def test_installed_command_ignores_decoy_folders(installed, tmp_path):
    cwd = _decoy_folder(tmp_path)
    for args in (["-m", "rlministyler", "run", "--help"], ["-m", "rlministyler", "check-unity", "--help"],
                 ["-c", "from rlministyler.runtime import Stylizer; import rlministyler.runtime as r; "
                        "print(r.__file__)"]):
        proc = _run(installed, args, cwd)
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
        assert "decoy" not in proc.stderr
    assert str(installed.parent.parent) in proc.stdout  # the wheel's copy, not the checkout's
    script = installed.parent / "rlministyler"
    proc = _run(installed, [str(script), "export", "--help"], cwd)
    assert proc.returncode == 0 and "--variant" in proc.stdout, proc.stderr[-2000:]


def test_installed_check_unity_runs_on_a_model(installed, tmp_path):
    """check-unity from the base install, on a real graph, from the decoy folder."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    path = tmp_path / "relu.onnx"
    onnx.save(model, str(path))
    (tmp_path / "here").mkdir()
    cwd = _decoy_folder(tmp_path / "here")
    proc = _run(installed, ["-m", "rlministyler", "check-unity", str(path)], cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("OK: ") and "ops: Relu x1" in proc.stdout


def test_wheel_ships_the_page_not_node_modules(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    for name in ("web/app/index.html", "web/app/main.js", "web/app/manifest.js", "web/app/worker.js",
                 "web/package.json", "web/package-lock.json", "web/cli.py", "manifest.schema.json",
                 "metadata.schema.json"):
        assert f"rlministyler/{name}" in names, name
    assert not [n for n in names if "node_modules" in n]


def test_installed_web_builds_a_site(installed, weights_dir, data_dir, tmp_path):
    """The wheel's own `rlministyler export` and `rlministyler web`, from the decoy folder: no checkout
    to find the page in; onnxruntime-web from $RLMINISTYLER_ORT_WEB."""
    if not (ORT_WEB_DIST / "ort.wasm.min.mjs").is_file():
        pytest.skip("onnxruntime-web is not installed in web/node_modules (scripts/install_browser_deps.sh "
                    "runs `npm ci` in web/)")
    cwd = _decoy_folder(tmp_path)
    script = str(installed.parent / "rlministyler")
    model = tmp_path / "all2.onnx"
    proc = _run(installed, [script, "export", "--steps", "2", "--all-steps", "--variant", "split",
                            "--checkpoint", str(weights_dir), "--no-verify", "-q", "-o", str(model)], cwd)
    assert proc.returncode == 0, proc.stderr[-2000:]
    style = data_dir / "style" / "adain_la_muse.jpg"
    proc = _run(installed, [script, "web", str(model), "--style", str(style), "-o", "site"], cwd,
                RLMINISTYLER_ORT_WEB=str(ORT_WEB_DIST))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "decoy" not in proc.stderr
    site = cwd / "site"
    for name in ("index.html", "style.css", "main.js", "manifest.js", "engine.js", "worker.js", "sources.js",
                 "tensor.js", "models/step1.onnx", "models/step2.onnx", "models/style_encoder.onnx",
                 "styles/01_adain_la_muse.png", "ort/ort.wasm.min.mjs", "ort/ort-wasm-simd-threaded.wasm",
                 "ort/ort.webgpu.min.mjs", "ort/ort-wasm-simd-threaded.asyncify.wasm"):
        assert (site / name).is_file(), name
    import jsonschema

    (schema_path,) = installed.parent.parent.rglob("rlministyler/manifest.schema.json")  # the wheel's copy
    manifest = json.loads((site / "manifest.json").read_text())
    jsonschema.validate(manifest, json.loads(schema_path.read_text()))
    assert manifest["model"]["steps"] == [1, 2] and manifest["model"]["variant"] == "split"
    assert not list(installed.parent.parent.rglob("node_modules"))  # nothing installed beside the package
    assert not (cwd / ".cache" / "rlministyler" / "ort-web").exists()  # $RLMINISTYLER_ORT_WEB was used
