"""The direction of imports, read from the source of every module (function-level imports included):
runtime alone (no torch, training, export); training alone; export may use training and, to verify
what it writes against the player's own code (the guided upsampler), the torch-free runtime;
benchmarks anything."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("training", "export", "runtime", "benchmarks")
# what each folder's modules must not import (module name prefixes)
FORBIDDEN = {
    "runtime": ("torch", "rlministyler.training", "rlministyler.export", "rlministyler.benchmarks"),
    "training": ("rlministyler.export", "rlministyler.runtime", "rlministyler.benchmarks"),
    "export": ("rlministyler.benchmarks",),
    "benchmarks": (),
    "rlministyler": (),  # the front door; its torch-free import is tested in test_layout
}
OLD_NAMES = tuple(f"{p}" for p in PACKAGES)  # the pre-namespace top-level names


def _package_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``; relative ones resolved."""
    package = _package_of(path)
    parts = ["rlministyler"] + ([] if package == "rlministyler" else [package])
    parts += list(path.relative_to(ROOT / package).parent.parts)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def _modules() -> list[Path]:
    return sorted(p for folder in (*PACKAGES, "rlministyler") for p in (ROOT / folder).rglob("*.py"))


def _violations(path: Path) -> list[str]:
    package = _package_of(path)
    bad = []
    for line, name in _imports(path):
        top = name.split(".")[0]
        if top in OLD_NAMES:
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {name} (use rlministyler.{name})")
        for prefix in FORBIDDEN[package]:
            if name == prefix or name.startswith(prefix + "."):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}: {package} must not")
    return bad


def test_every_module_imports_in_the_allowed_direction():
    modules = _modules()
    assert len(modules) > 40
    bad = [v for path in modules for v in _violations(path)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("package", "source", "expect"), [
    ("runtime", "import torch\n", "must not"),
    ("runtime", "from rlministyler.export.exporter import export_model\n", "must not"),
    ("runtime", "def f():\n    from ...training import stylizer\n", "must not"),
    ("training", "from rlministyler.runtime import Stylizer\n", "must not"),
    ("export", "from runtime.stylizer import Stylizer\n", "use rlministyler.runtime"),
    ("export", "from rlministyler.benchmarks import speed\n", "must not"),
])
def test_the_rule_catches_a_wrong_arrow(package, source, expect, monkeypatch, tmp_path):
    fake_root = tmp_path
    (fake_root / package / "sub").mkdir(parents=True)
    module = fake_root / package / "sub" / "bad.py"
    module.write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", fake_root)
    assert any(expect in v for v in _violations(module))


def test_relative_imports_resolve_to_their_package():
    names = dict((n, line) for line, n in _imports(ROOT / "runtime" / "player.py"))
    assert any(n.startswith("rlministyler.runtime.") for n in names)
