"""The metadata contract: one definition, a committed schema generated from it, versions, and a
one-line error naming the field for every malformed metadata."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from rlministyler.contract import (
    FORMAT_VERSION,
    MANIFEST_SCHEMA_PATH,
    SCHEMA_PATH,
    SITE_FORMAT_VERSION,
    ExportMetadata,
    SiteManifest,
    json_schema,
    loads,
    manifest_json_schema,
    manifest_schema_text,
    read_manifest,
    schema_text,
)
from rlministyler.errors import UserError

GOOD = {
    "format": "rlministyler-onnx", "format_version": 1, "package_version": "0.1.0", "variant": "split",
    "steps": 3, "all_steps": True,
    "inputs": [{"name": "content", "shape": ["batch", 3, "height", "width"], "dtype": "float32"}],
    "outputs": [{"name": f"step_{k}", "step": k, "shape": ["batch", 3, "height", "width"],
                 "dtype": "float32"} for k in (1, 2, 3)],
    "layout": "NCHW", "color": "RGB", "value_range": [0.0, 1.0], "size_multiple": 4, "min_size": 8,
    "static_size": None, "precision": "fp32", "io_dtype": "float32", "opset": 17, "target": "onnxruntime",
    "checkpoint_sha256": {"actor.pth.tar": "ab", "builder.pth.tar": "cd"}, "checkpoint_official": True,
    "files": {"model": "m.onnx", "style_encoder": "m_style.onnx"},
    "style_encoder": {"inputs": [{"name": "style", "shape": [1, 3, "h", "w"], "dtype": "float32"}],
                      "outputs": [{"name": "style_mean", "shape": [1, 64, 1, 1], "dtype": "float32"}]},
    "rewrites": ["half-res-head"],
}


def test_committed_schema_is_the_generated_one():
    assert SCHEMA_PATH.read_text() == schema_text(), "run: python -m rlministyler.contract"


def test_round_trip_and_schema_agree_on_a_good_record():
    meta = ExportMetadata.from_dict(copy.deepcopy(GOOD))
    assert meta.files.style_encoder == "m_style.onnx" and meta.outputs[2].step == 3
    out = meta.to_dict()
    jsonschema.validate(out, json_schema())
    assert ExportMetadata.from_dict(out).to_dict() == out
    assert out["static_size"] is None  # required, may be null (the Unity sample reads it)
    assert "int8" not in out and "style_file" not in out  # unset optional keys are left out


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d.update(steps="3"), "'steps' must be an integer"),
    (lambda d: d.update(steps=True), "'steps' must be an integer"),
    (lambda d: d.pop("outputs"), "'outputs' is missing"),
    (lambda d: d["outputs"][1].pop("step"), "'outputs[1].step' is missing"),
    (lambda d: d["outputs"][0].update(name=7), "'outputs[0].name' must be a string"),
    (lambda d: d.update(variant="fancy"), "'variant' must be 'full' or 'baked' or 'split'"),
    (lambda d: d.update(files=["m.onnx"]), "'files' must be an object"),
    (lambda d: d["style_encoder"].update(inputs=None), "'style_encoder.inputs' must be a list, not null"),
    (lambda d: d.update(format_version="1"), "'format_version' must be an integer"),
    (lambda d: d.update(format_version=FORMAT_VERSION + 1), "newer rlministyler"),
    (lambda d: d.update(format_version=0), "predates format 1"),
    (lambda d: d.update(format="other"), "not a model exported by rlministyler"),
])
def test_malformed_metadata_is_one_line_naming_the_field(edit, message):
    data = copy.deepcopy(GOOD)
    edit(data)
    with pytest.raises(UserError) as info:
        ExportMetadata.from_dict(data, "m.onnx")
    text = str(info.value)
    assert message in text and "\n" not in text and text.startswith("m.onnx")
    schema_ok = jsonschema.Draft202012Validator(json_schema()).is_valid(data)
    assert not schema_ok or "not a model" in message  # the schema refuses what the reader refuses


def test_newer_version_says_upgrade():
    data = dict(GOOD, format_version=FORMAT_VERSION + 1)
    with pytest.raises(UserError, match="upgrade rlministyler"):
        ExportMetadata.from_dict(data, "m.onnx")


@pytest.mark.parametrize("text", ["[" * 100000, "{" + '"a":' * 5000, "not json", "x" * (2 << 20)])
def test_hostile_text_is_one_line(text):
    with pytest.raises(UserError) as info:
        loads(text, "m.json")
    assert "\n" not in str(info.value)


def test_extra_keys_are_allowed_for_forward_compatible_readers():
    data = dict(copy.deepcopy(GOOD), something_new={"x": 1})
    assert ExportMetadata.from_dict(data).variant == "split"
    jsonschema.validate(data, json_schema())


def test_schema_file_is_valid_json_schema():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["required"]) >= {"format", "format_version", "variant", "steps", "outputs", "files"}


# --- the web manifest (manifest.json of `rlministyler web`) --------------------------------------
SITE = {
    "format": "rlministyler-web", "format_version": 1,
    "model": {"name": "all3.onnx", "variant": "split", "steps": [1, 3],
              "files": {"1": "models/step1.onnx", "3": "models/step3.onnx"},
              "outputs": {"1": "step_1", "3": "step_3"}, "style_encoder": "models/style_encoder.onnx",
              "style_input": "style", "style_tensors": ["style_mean", "style_std"], "size_multiple": 4,
              "min_size": 8, "static_size": None, "style_size": 256, "style_static_size": None,
              "precision": "fp32", "baked_style": None},
    "styles": [{"name": "la_muse.jpg", "file": "styles/01_la_muse.png"}],
    "ort": {"version": "1.20.1", "dir": "ort/", "wasm": "ort/ort.wasm.min.mjs",
            "webgpu": "ort/ort.webgpu.min.mjs"},
}


def test_committed_manifest_schema_is_the_generated_one():
    assert MANIFEST_SCHEMA_PATH.read_text() == manifest_schema_text(), "run: python -m rlministyler.contract"
    jsonschema.Draft202012Validator.check_schema(json.loads(MANIFEST_SCHEMA_PATH.read_text()))


def test_manifest_round_trip_keeps_every_key(tmp_path):
    manifest = SiteManifest.from_dict(copy.deepcopy(SITE))
    assert manifest.model.files["3"] == "models/step3.onnx" and manifest.styles[0].name == "la_muse.jpg"
    assert manifest.to_dict() == SITE  # nulls stay: the page reads every key
    jsonschema.validate(SITE, manifest_json_schema())
    (tmp_path / "manifest.json").write_text(json.dumps(SITE))
    assert read_manifest(tmp_path / "manifest.json") == manifest


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["model"].update(steps="1,3"), "'model.steps' must be a list"),
    (lambda d: d["model"]["files"].update({"3": 3}), "'model.files.3' must be a string"),
    (lambda d: d["styles"][0].pop("file"), "'styles[0].file' is missing"),
    (lambda d: d["ort"].pop("wasm"), "'ort.wasm' is missing"),
    (lambda d: d["model"].update(variant="fancy"), "'model.variant' must be 'full' or 'baked' or 'split'"),
    (lambda d: d.update(format_version=SITE_FORMAT_VERSION + 1), "newer rlministyler"),
    (lambda d: d.update(format="rlministyler-onnx"), "not the manifest of a site built by rlministyler web"),
])
def test_malformed_manifest_is_one_line_naming_the_field(edit, message):
    data = copy.deepcopy(SITE)
    edit(data)
    with pytest.raises(UserError) as info:
        SiteManifest.from_dict(data, "site/manifest.json")
    text = str(info.value)
    assert message in text and "\n" not in text and text.startswith("site/manifest.json")
    assert not jsonschema.Draft202012Validator(manifest_json_schema()).is_valid(data)
