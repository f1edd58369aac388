"""The direction of imports, read from the source of every module (function-level imports included):
runtime alone (no torch, training, export); training alone; export may use training and, to verify
what it writes against the player's own code (the guided upsampler), the torch-free runtime; web
(the site builder) the torch-free runtime; engines (the PyTorch engine the runtime loads by name)
runtime and training; nobody imports engines; benchmarks anything. And no import loop among the
project's modules, function-level imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("training", "export", "runtime", "web", "engines", "benchmarks", "batch")
# what each folder's modules must not import (module name prefixes)
FORBIDDEN = {
    "runtime": ("torch", "rlministyler.training", "rlministyler.export", "rlministyler.benchmarks",
                "rlministyler.web", "rlministyler.engines"),
    "training": ("rlministyler.export", "rlministyler.runtime", "rlministyler.benchmarks",
                 "rlministyler.web", "rlministyler.engines"),
    "export": ("rlministyler.benchmarks", "rlministyler.web", "rlministyler.engines"),
    "web": ("torch", "rlministyler.training", "rlministyler.export", "rlministyler.benchmarks",
            "rlministyler.engines"),
    "engines": ("rlministyler.export", "rlministyler.benchmarks", "rlministyler.web"),
    "benchmarks": ("rlministyler.engines",),  # they reach engines through the runtime's registry
    # batch drives the runtime's public Stylizer (the torch engine through the registry)
    "batch": ("torch", "rlministyler.training", "rlministyler.export", "rlministyler.benchmarks",
              "rlministyler.web", "rlministyler.engines"),
    "rlministyler": ("rlministyler.engines",),  # the front door; its torch-free import: test_layout
}
OLD_NAMES = ("training", "export", "runtime", "benchmarks")  # the pre-namespace top-level names


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
    return sorted(p for folder in (*PACKAGES, "rlministyler") for p in (ROOT / folder).rglob("*.py")
                  if "node_modules" not in p.parts)


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


def _module_name(path: Path, root: Path) -> str:
    """The import name of the module at ``path`` (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[0] != "rlministyler":
        parts.insert(0, "rlministyler")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _import_graph(root: Path, modules: list[Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports. ``from P import x`` points at ``P.x`` when that is
    a module, else at ``P``."""
    names = {_module_name(p, root): p for p in modules}
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in names.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                if node.level:
                    base = base[: len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in names else module
                           for a in node.names]
            else:
                continue
            graph[name].update(t for t in targets if t in names and t != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_loop_among_the_project_modules():
    graph = _import_graph(ROOT, _modules())
    assert sum(len(v) for v in graph.values()) > 100  # the graph is really read
    loops = _cycles(graph)
    assert not loops, "import loops:\n" + "\n".join(" <-> ".join(c) for c in loops)


def test_the_loop_check_catches_a_function_level_loop(tmp_path):
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "__init__.py").write_text("")
    (tmp_path / "export" / "a.py").write_text("from .b import helper\n")
    (tmp_path / "export" / "b.py").write_text("def helper():\n    from . import a\n")
    (tmp_path / "export" / "c.py").write_text("from rlministyler.export import a\n")
    modules = sorted((tmp_path / "export").glob("*.py"))
    assert _cycles(_import_graph(tmp_path, modules)) == [["rlministyler.export.a", "rlministyler.export.b"]]
