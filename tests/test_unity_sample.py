"""The Unity sample (``unity_sample/``): the models its README tells users to export pass
``check-unity``, their sidecars carry every field the C# reads (parsed from ``ExportSidecar.cs``),
the project files are in place, and the C# compiles (``scripts/check_csharp.sh``, when ``mcs`` is
installed)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import onnx
import pytest
from rlministyler.export.unity_check import check_model, format_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "unity_sample"
README = SAMPLE / "README.md"
SIDECAR_CS = SAMPLE / "Assets" / "RLMiniStyler" / "Runtime" / "ExportSidecar.cs"
CONTRACT_SCHEMA = ROOT / "rlministyler" / "metadata.schema.json"
BEGIN, END = "<!-- unity-exports:begin", "<!-- unity-exports:end"
ROOT_CLASS = "ExportSidecar"

# What JsonUtility needs in the JSON for each C# field type the sidecar classes may declare.
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "int": (int,), "long": (int,), "float": (int, float), "double": (int, float),
    "bool": (bool,),
}


# --------------------------------------------------------------------------------------------------
# The README's export block and the C# sidecar classes


def readme_commands() -> list[list[str]]:
    """The shell words of every line of the README's marked export block (comments dropped)."""
    text = README.read_text(encoding="utf-8")
    start = text.index(BEGIN)
    block = text[start:text.index(END, start)]
    code = re.search(r"```bash\n(.*?)```", block, re.S)
    assert code, "the README's export block has no ```bash fence"
    return [words for line in code.group(1).splitlines() if (words := shlex.split(line, comments=True))]


def readme_exports(out: Path, style: Path) -> list[list[str]]:
    """``rlministyler export`` argument lists from the README, with $OUT and $STYLE filled in."""
    exports = []
    for words in readme_commands():
        if words[:2] == ["rlministyler", "export"]:
            exports.append([w.replace("$OUT", str(out)).replace("$STYLE", str(style)) for w in words[1:]])
    return exports


FIELD = re.compile(r"^[ \t]*(?:\[OnlyForVariant\(([^)]*)\)\][ \t]*)?"   # optional variant limit
                   r"(\[OptionalInSidecar\][ \t]*)?"                     # optional key
                   r"public[ \t]+([\w.]+(?:\[\])?)[ \t]+(\w+)[ \t]*(?:=[^;]*)?;",  # public TYPE NAME [= x];
                   re.M)
OPTIONAL = "optional"  # in a field's variants tuple: the key may be absent


def csharp_schema(source: str) -> dict[str, list[tuple[str, str, tuple[str, ...]]]]:
    """Each ``[Serializable]`` class of the C# source -> its public fields (type, name, variants the
    field is limited to by ``[OnlyForVariant(...)]``, empty for all, plus ``OPTIONAL`` for a field
    marked ``[OptionalInSidecar]``)."""
    schema: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for match in re.finditer(r"\[Serializable\]\s*public\s+(?:sealed\s+)?class\s+(\w+)", source):
        opening = source.index("{", match.end())
        depth = 0
        for i in range(opening, len(source)):
            depth += {"{": 1, "}": -1}.get(source[i], 0)
            if depth == 0:
                body = source[opening + 1:i]
                break
        else:
            raise AssertionError(f"unbalanced braces in class {match.group(1)}")
        fields = []
        for f in FIELD.finditer(body):
            limits = tuple(re.findall(r'"(\w+)"', f.group(1) or "")) + ((OPTIONAL,) if f.group(2) else ())
            fields.append((f.group(3), f.group(4), limits))
        schema[match.group(1)] = fields
    return schema


def sidecar_problems(data: dict, schema: dict, cls: str = ROOT_CLASS, variant: str | None = None,
                     path: str = "") -> list[str]:
    """Every field of C# class ``cls`` (and the classes it holds) that ``data`` lacks or types wrongly."""
    variant = variant if variant is not None else data.get("variant")
    problems = []
    for ctype, name, limits in schema[cls]:
        optional = OPTIONAL in limits
        only = tuple(v for v in limits if v != OPTIONAL)
        if only and variant not in only:
            continue
        where = path + name
        if name not in data:
            if not optional:
                problems.append(f"missing '{where}' (read by {cls}.{name} in ExportSidecar.cs)")
            continue
        if optional and data[name] is None:
            continue
        value = data[name]
        base, is_array = ctype.removesuffix("[]"), ctype.endswith("[]")
        if is_array and value is None:
            continue  # JsonUtility reads null as an empty array (static_size of a dynamic export)
        if is_array and not isinstance(value, list):
            problems.append(f"'{where}' is {type(value).__name__}, the C# reads an array")
            continue
        for i, item in enumerate(value if is_array else [value]):
            here = f"{where}[{i}]" if is_array else where
            if base in schema:
                if isinstance(item, dict):
                    problems += sidecar_problems(item, schema, base, variant, here + ".")
                else:
                    problems.append(f"'{here}' is {type(item).__name__}, the C# reads an object ({base})")
            elif base in JSON_TYPES:
                wrong_bool = isinstance(item, bool) and base != "bool"
                if wrong_bool or not isinstance(item, JSON_TYPES[base]):
                    problems.append(f"'{here}' is {type(item).__name__}, the C# reads {base}")
            else:
                problems.append(f"'{where}': C# type {ctype} is not known to this test")
    return problems


@pytest.fixture(scope="module")
def schema() -> dict:
    return csharp_schema(SIDECAR_CS.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------------
# Exports


@pytest.fixture(scope="module")
def exports(tmp_path_factory, weights_dir, data_dir) -> dict[str, Path]:
    """Runs every export command of the README; returns sidecar stem -> sidecar path."""
    from rlministyler.cli import main

    out = tmp_path_factory.mktemp("unity_models")
    commands = readme_exports(out, data_dir / "style" / "adain_la_muse.jpg")
    assert len(commands) >= 3, "the README's export block lists too few exports"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RLMINISTYLER_CHECKPOINT", str(weights_dir))
        for args in commands:
            assert main(args) == 0, f"export failed: rlministyler {shlex.join(args)}"
    sidecars = {p.stem: p for p in sorted(out.glob("*.json"))}
    assert len(sidecars) == len(commands)
    return sidecars


def test_readme_block_exports_for_sentis_and_checks_them():
    commands = readme_commands()
    exports = [w for w in commands if w[:2] == ["rlministyler", "export"]]
    assert exports
    for words in exports:
        assert words[words.index("--target") + 1] == "sentis", shlex.join(words)
        assert words[words.index("-o") + 1].startswith("$OUT/"), shlex.join(words)
    variants = {w[w.index("--variant") + 1] if "--variant" in w else "full" for w in exports}
    assert {"split", "baked"} <= variants
    assert any("--all-steps" in w for w in exports) and any("--all-steps" not in w for w in exports)
    checks = [w for w in commands if "check-unity" in w]
    assert checks, "the README should tell users to run check-unity"
    assert all("--urp" in (x.rstrip(";") for x in w) for w in checks), \
        "the README's models run in URP: check them with --urp"


def test_every_exported_model_passes_check_unity(exports):
    models = sorted(next(iter(exports.values())).parent.glob("*.onnx"))
    assert len(models) == len(exports) + sum(json.loads(p.read_text())["variant"] == "split"
                                             for p in exports.values())
    for path in models:
        report = check_model(path, "sentis", urp=True)  # no CPU-fallback layer: the sample runs in URP
        assert report.ok, format_report(report)
        assert report.warnings == [], format_report(report)  # zero importer warnings, not only no failures
        assert report.opset == 15


def test_sidecars_have_every_field_the_csharp_reads(exports, schema):
    variants = set()
    for stem, path in exports.items():
        data = json.loads(path.read_text())
        variants.add(data["variant"])
        assert sidecar_problems(data, schema) == [], stem
    assert {"split", "baked"} <= variants


def test_sidecars_match_the_models_as_the_csharp_expects(exports):
    """What StylerSlot relies on beyond field presence: content first, names that exist in the files,
    one output per step for --all-steps, the split encoder's outputs as the frame model's other inputs."""
    for stem, path in exports.items():
        meta = json.loads(path.read_text())
        model = onnx.load(str(path.with_name(meta["files"]["model"])), load_external_data=False)
        graph_inputs = [i.name for i in model.graph.input]
        graph_outputs = [o.name for o in model.graph.output]
        assert [i["name"] for i in meta["inputs"]] == graph_inputs, stem
        assert [o["name"] for o in meta["outputs"]] == graph_outputs, stem
        content = meta["inputs"][0]
        assert content["name"] == "content" and content["shape"][1] == 3, stem
        steps = [o["step"] for o in meta["outputs"]]
        assert steps == (list(range(1, meta["steps"] + 1)) if meta["all_steps"] else [meta["steps"]]), stem
        assert meta["size_multiple"] >= 1 and meta["min_size"] >= 1
        if meta["static_size"] is not None:
            h, w = meta["static_size"]
            assert h % meta["size_multiple"] == 0 and w % meta["size_multiple"] == 0, stem
        # one cost per Conv, in graph order (LayerSpread pairs them with the Conv layers by position);
        # about 28,000 multiply-accumulates per pixel per step at full internal scale (README)
        convs = [n for n in model.graph.node if n.op_type == "Conv"]
        assert len(meta["conv_macs"]) == len(convs) and min(meta["conv_macs"]) > 0, stem
        if meta.get("internal_scale") is None and meta["variant"] != "full":
            per_step = sum(meta["conv_macs"]) / meta["steps"]
            assert 25_000 < per_step < 31_000, (stem, per_step)
        if meta["variant"] == "split":
            encoder = onnx.load(str(path.with_name(meta["files"]["style_encoder"])), load_external_data=False)
            enc = meta["style_encoder"]
            assert [i["name"] for i in enc["inputs"]] == [i.name for i in encoder.graph.input], stem
            assert [o["name"] for o in enc["outputs"]] == [o.name for o in encoder.graph.output], stem
            assert graph_inputs[1:] == [o["name"] for o in enc["outputs"]], stem
        elif meta["variant"] == "baked":
            assert graph_inputs == ["content"] and meta["style_file"], stem


# --------------------------------------------------------------------------------------------------
# The schema check itself


def test_csharp_schema_is_parsed(schema):
    fields = {name: (ctype, only) for ctype, name, only in schema[ROOT_CLASS]}
    for name in ("variant", "steps", "all_steps", "inputs", "outputs", "size_multiple", "static_size"):
        assert name in fields, name
    assert fields["static_size"][0] == "int[]"
    assert fields["style_encoder"] == ("SidecarStyleEncoder", ("split",))
    assert fields["style_file"][1] == ("baked",)
    output_fields = {name for _, name, _ in schema[fields["outputs"][0].removesuffix("[]")]}
    assert {"name", "step"} <= output_fields
    assert ("string", "style_encoder", ("split",)) in schema["SidecarFiles"]
    assert fields["internal_scale"] == ("float", (OPTIONAL,))
    assert fields["upsample"] == ("string", (OPTIONAL,))


def test_schema_check_reports_what_is_missing_or_mistyped(schema):
    good = {
        "format": "rlministyler-onnx", "format_version": 1, "variant": "split", "steps": 2, "all_steps": True,
        "inputs": [{"name": "content", "dtype": "float32"}],
        "outputs": [{"name": "step_1", "step": 1, "dtype": "float32"}],
        "layout": "NCHW", "color": "RGB", "value_range": [0.0, 1.0], "size_multiple": 4, "min_size": 8,
        "static_size": None, "files": {"model": "m.onnx", "style_encoder": "m_style.onnx"},
        "style_encoder": {"inputs": [{"name": "style", "dtype": "float32"}], "outputs": []},
    }
    assert sidecar_problems(good, schema) == []
    # --internal-scale / --upsample keys: may be absent, must have the C# type when present
    guided = {**good, "internal_scale": 0.5, "upsample": "guided"}
    assert sidecar_problems(guided, schema) == []
    assert any("'internal_scale'" in p for p in sidecar_problems({**guided, "internal_scale": "0.5"}, schema))
    assert any("'upsample'" in p for p in sidecar_problems({**guided, "upsample": 2}, schema))
    bad = json.loads(json.dumps(good))
    del bad["files"]["style_encoder"]
    bad["outputs"][0]["step"] = "1"
    bad["steps"] = True
    problems = sidecar_problems(bad, schema)
    assert any("files.style_encoder" in p for p in problems)
    assert any("outputs[0].step" in p for p in problems)
    assert any("'steps'" in p for p in problems)
    baked = {**good, "variant": "baked", "style_file": "la_muse.jpg"}
    del baked["style_encoder"]
    del baked["files"]["style_encoder"]
    assert sidecar_problems(baked, schema) == []
    del baked["style_file"]
    assert any("style_file" in p for p in sidecar_problems(baked, schema))


# --------------------------------------------------------------------------------------------------
# The Unity project


def test_project_files():
    manifest = json.loads((SAMPLE / "Packages" / "manifest.json").read_text())
    deps = manifest["dependencies"]
    major, minor = (int(v) for v in deps["com.unity.ai.inference"].split(".")[:2])
    assert (major, minor) >= (2, 2)
    assert "com.unity.sentis" not in deps  # Sentis 2.1 only through the README's swap + define
    # URP 17 (Unity 6), as the README says; no HDRP (documented, not built)
    assert deps["com.unity.render-pipelines.universal"].startswith("17.")
    assert "com.unity.render-pipelines.high-definition" not in deps
    version = (SAMPLE / "ProjectSettings" / "ProjectVersion.txt").read_text()
    assert re.search(r"^m_EditorVersion: 6000\.\d+\.\d+f\d+$", version, re.M)
    scripts = sorted((SAMPLE / "Assets").rglob("*.cs"))
    assert any(p.parent.name == "Editor" for p in scripts)
    sources = "\n".join(p.read_text(encoding="utf-8") for p in scripts)
    assert "[MenuItem(" in sources and "OnRenderImage" in sources
    assert ": ScriptableRendererFeature" in sources and "AddUnsafePass" in sources
    assert "ConfigureInput(" in sources and "ScriptableRenderPassInput.Motion" in sources
    assert "DepthTextureMode.MotionVectors" in sources
    # camera textures set by a command buffer are bound by name and read when the dispatch runs, never
    # read back on the CPU while recording (that gives last frame's texture or none)
    assert "GetGlobalTexture" not in sources and "SetTextureFromGlobal(" in sources
    assert "#if RLMINISTYLER_SENTIS_2_1" in sources and "using Unity.InferenceEngine;" in sources
    # no hard-coded tensor names: the C# takes them from the sidecar
    for name in ('"content"', '"stylized"', '"style_f1_mean"', '"step_1"'):
        assert name not in sources, name
    readme = README.read_text(encoding="utf-8")
    for topic in ("Inspector settings", "Measuring the frame rate", "What to expect", "CPU onnxruntime",
                  "Resolution Scale", "Frames Per Inference", "RLMINISTYLER_SENTIS_2_1",
                  "existing URP project", "HDRP", "not verified in Unity", "internal scale"):
        assert topic in readme, topic
    assert not (ROOT / "tests" / "unity_compile").joinpath("Assets").exists()


@pytest.mark.skipif(shutil.which("mcs") is None, reason="mcs (Debian package mono-mcs) is not installed; "
                    "scripts/check_csharp.sh installs it when run as root")
def test_csharp_compiles():
    result = subprocess.run(["bash", str(ROOT / "scripts" / "check_csharp.sh")], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all configurations compile" in result.stdout


# --------------------------------------------------------------------------------------------------
# The C# sidecar classes against the metadata contract's JSON Schema

SCHEMA_TYPES = {"string": {"string"}, "int": {"integer"}, "long": {"integer"}, "float": {"number", "integer"},
                "double": {"number", "integer"}, "bool": {"boolean"}}


def _resolve(node: dict, defs: dict) -> tuple[dict, bool]:
    """A property's schema with ``$ref`` followed and a ``null`` alternative taken off (nullable?)."""
    nullable = False
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(node["anyOf"])
        assert len(options) == 1, node
        node = options[0]
    if "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    return node, nullable


def _json_types(node: dict) -> set[str]:
    if "enum" in node:
        return {"string" if isinstance(v, str) else "integer" for v in node["enum"]}
    return {node["type"]} if isinstance(node.get("type"), str) else set(node.get("type", []))


def csharp_against_contract(cs: dict, contract: dict, cls: str = ROOT_CLASS, node: dict | None = None,
                            path: str = "") -> list[str]:
    """What the C# class ``cls`` reads that the contract's schema does not promise in that form."""
    defs = contract["$defs"]
    node = contract if node is None else node
    problems = []
    for ctype, name, limits in cs[cls]:
        where = path + name
        prop = node.get("properties", {}).get(name)
        if prop is None:
            problems.append(f"{cls}.{name}: '{where}' is not in the metadata contract")
            continue
        if not limits and name not in node.get("required", []):
            problems.append(f"{cls}.{name}: the C# always reads '{where}', the contract makes it optional")
        target, _ = _resolve(prop, defs)
        base, is_array = ctype.removesuffix("[]"), ctype.endswith("[]")
        if is_array:
            if target.get("type") != "array":
                problems.append(f"{cls}.{name}: the C# reads an array, the contract has {target}")
                continue
            target, _ = _resolve(target["items"], defs)
        if base in cs:
            if target.get("type") != "object":
                problems.append(f"{cls}.{name}: the C# reads an object, the contract has {target}")
            else:
                problems += csharp_against_contract(cs, contract, base, target, where + ".")
        elif not (_json_types(target) and _json_types(target) <= SCHEMA_TYPES[base]):
            problems.append(f"{cls}.{name}: the C# reads {ctype}, the contract has {_json_types(target)}")
    return problems


def test_csharp_sidecar_classes_follow_the_metadata_contract(schema):
    contract = json.loads(CONTRACT_SCHEMA.read_text())
    assert csharp_against_contract(schema, contract) == []


def test_contract_check_catches_a_mismatch(schema):
    contract = json.loads(CONTRACT_SCHEMA.read_text())
    broken = json.loads(json.dumps(contract))
    broken["properties"]["steps"] = {"type": "string"}
    broken["required"].remove("variant")
    del broken["$defs"]["Output"]["properties"]["step"]
    problems = csharp_against_contract(schema, broken)
    assert any("ExportSidecar.steps" in p for p in problems)
    assert any("ExportSidecar.variant" in p and "optional" in p for p in problems)
    assert any("SidecarOutput.step" in p for p in problems)
