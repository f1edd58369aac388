"""The project's import rules: the runtime and the CLI front door never need torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BLOCK_TORCH = "import sys; sys.modules['torch'] = None; "


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK_TORCH + code], cwd=ROOT,
                          capture_output=True, text=True)


def test_runtime_and_image_helpers_import_without_torch():
    proc = _run("import rlministyler.runtime, rlministyler.runtime.cli, rlministyler.runtime.player, "
                "rlministyler.runtime.sources, rlministyler.runtime.sinks, rlministyler.runtime.temporal, "
                "rlministyler.runtime.providers, rlministyler.runtime.stats, "
                "rlministyler.images, rlministyler.sheet, rlministyler.cli; print('ok')")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_weights_command_works_without_torch(tmp_path):
    proc = _run("from rlministyler.cli import main; "
                f"sys.exit(main(['weights', 'show', '--checkpoint', {str(tmp_path)!r}]))")
    assert proc.returncode == 2  # a clean error about the empty folder, not an ImportError
    assert "actor.pth.tar and builder.pth.tar not found" in proc.stderr


def test_blocking_torch_really_blocks_it():
    proc = _run("import rlministyler.training.model")
    assert proc.returncode != 0 and "torch" in proc.stderr


def test_gpu_build_of_onnxruntime_is_intact():
    """onnxruntime (CPU) and onnxruntime-gpu share one module folder; a dependency that pulls the
    CPU package in overwrites the GPU build and takes CUDA/TensorRT away (scripts/setup.sh puts
    it back). Where onnxruntime-gpu is installed, its providers must be there."""
    from importlib import metadata

    import onnxruntime as ort
    import pytest

    try:
        metadata.version("onnxruntime-gpu")
    except metadata.PackageNotFoundError:
        pytest.skip("onnxruntime-gpu is not installed here")
    assert "CUDAExecutionProvider" in ort.get_available_providers()


@pytest.mark.parametrize(("command", "args", "extra"), [
    ("stylize", ["in.png", "--style", "s.png", "-o", "out.png"], "rlministyler[torch]"),
    ("export", ["--steps", "1", "-o", "x.onnx"], "rlministyler[torch]"),
    ("train", ["--content-dir", ".", "--style-dir", ".", "--out", "run"], "rlministyler[torch]"),
    ("bench", ["-o", "bench_out", "--quick"], "rlministyler[torch,bench]"),
])
def test_a_missing_extra_is_one_line_naming_it(command, args, extra, tmp_path):
    """With torch not installed, the subcommands that need it say which extra to install."""
    code = ("from rlministyler.cli import main; "
            f"sys.exit(main({[command, *args]!r}))")
    proc = subprocess.run([sys.executable, "-c", BLOCK_TORCH + code], cwd=tmp_path, capture_output=True,
                          text=True)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith(f"rlministyler {command}: error: {command} needs PyTorch")
    assert f"pip install '{extra}'" in lines[0]


@pytest.mark.parametrize("package", ["export", "runtime"])
def test_no_module_of_the_exporter_or_the_runtime_is_over_350_lines(package):
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines())
             for p in (ROOT / package).rglob("*.py")}
    assert len(sizes) > 5
    too_long = {name: lines for name, lines in sizes.items() if lines > 350}
    assert not too_long, f"split these modules by what they hold: {too_long}"
