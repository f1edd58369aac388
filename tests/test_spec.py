"""Each value of rlministyler.spec is typed once: no module outside spec.py spells out one of its
lists of names (in any order), the lowest network scale or the default style size again."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rlministyler import spec

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("rlministyler", "training", "export", "runtime", "web", "engines", "benchmarks")
NAME_LISTS = {"PROVIDERS": spec.PROVIDERS, "UPSAMPLERS": spec.UPSAMPLERS,
              "TEMPORAL_MODES": spec.TEMPORAL_MODES, "UNITY_ENGINES": spec.UNITY_ENGINES,
              "RUNTIME_ENGINES": spec.RUNTIME_ENGINES, "TORCH_PRECISIONS": spec.TORCH_PRECISIONS,
              "REWRITES": spec.REWRITES}


def _modules(root: Path) -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (root / folder).rglob("*.py")
                  if "node_modules" not in p.parts and p != root / "rlministyler" / "spec.py")


def _retyped(path: Path) -> list[str]:
    """Where ``path`` types a spec value again."""
    found = []
    where = path.relative_to(path.parents[1]).as_posix()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts \
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            values = {e.value for e in node.elts}
            found += [f"{where}:{node.lineno} {name}" for name, names in NAME_LISTS.items()
                      if values == set(names)]
        elif isinstance(node, ast.Constant) and node.value == spec.MIN_SCALE and type(node.value) is float \
                and path.parent.name in ("runtime", "web"):
            found.append(f"{where}:{node.lineno} MIN_SCALE")
        elif isinstance(node, ast.keyword) and node.arg in ("style_size", "default") \
                and isinstance(node.value, ast.Constant) and node.value.value == spec.STYLE_SIZE:
            found.append(f"{where}:{node.lineno} STYLE_SIZE")
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == "style_size" and isinstance(node.value, ast.Constant) \
                and node.value.value == spec.STYLE_SIZE:
            found.append(f"{where}:{node.lineno} STYLE_SIZE")
    return found


def test_spec_values_are_typed_once():
    modules = _modules(ROOT)
    assert len(modules) > 60
    found = [hit for path in modules for hit in _retyped(path)]
    assert not found, "import these from rlministyler.spec instead:\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    'CHOICES = ("cpu", "auto", "tensorrt", "cuda")\n',
    'p.add_argument("--upsample", choices=["guided", "bilinear"])\n',
    'if not 0.05 <= scale <= 1:\n    pass\n',
    'p.add_argument("--style-size", type=int, default=256)\n',
    '@dataclass\nclass O:\n    style_size: int = 256\n',
])
def test_the_check_finds_a_value_typed_again(tmp_path, source):
    (tmp_path / "runtime").mkdir()
    module = tmp_path / "runtime" / "m.py"
    module.write_text(source)
    assert _retyped(module)
