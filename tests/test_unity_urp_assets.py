"""The Unity sample opens as a URP project: GraphicsSettings points at the committed pipeline asset,
the pipeline asset at the committed renderer data, and the renderer data holds the RLMiniStyler
renderer feature bound to its script's committed GUID. Read from the YAML and .meta files, as Unity
resolves them (by GUID and file ID, never by name)."""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "unity_sample"
SETTINGS = "Assets/RLMiniStyler/Settings"
PIPELINE = f"{SETTINGS}/RLMiniStyler_URP.asset"
RENDERER = f"{SETTINGS}/RLMiniStyler_URP_Renderer.asset"
FEATURE_SCRIPT = "Assets/RLMiniStyler/Runtime/URP/RLMiniStylerRendererFeature.cs"
GRAPHICS = "ProjectSettings/GraphicsSettings.asset"

# The GUIDs of URP's own scripts (the .cs.meta files in com.unity.render-pipelines.universal 17)
URP_PIPELINE_ASSET_SCRIPT = "bf2edee5c58d82540a51f03df9d42094"   # UniversalRenderPipelineAsset
URP_RENDERER_DATA_SCRIPT = "de640fe3d0db1804a85f9fc8f5cadab6"    # UniversalRendererData
AFTER_RENDERING_POST_PROCESSING = 600                             # RenderPassEvent
MAIN_OBJECT = 11400000                                            # a native asset's main object file ID

DOCUMENT = re.compile(r"^--- !u!(\d+) &(-?\d+)\n(.*?)(?=^--- |\Z)", re.M | re.S)
REFERENCE = re.compile(r"\{fileID: (-?\d+)(?:, guid: ([0-9a-f]{32}), type: (\d+))?\}")


def documents(path: Path) -> dict[int, tuple[int, str]]:
    """file ID -> (class ID, body) of each object in a Unity YAML file."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("%YAML 1.1\n%TAG !u! tag:unity3d.com,2011:\n"), path
    return {int(m.group(2)): (int(m.group(1)), m.group(3)) for m in DOCUMENT.finditer(text)}


def field(body: str, name: str) -> str | None:
    m = re.search(rf"^  {name}: ?(.*)$", body, re.M)
    return m.group(1).strip() if m else None


def reference(body: str, name: str) -> tuple[int, str | None]:
    value = field(body, name) or ""
    m = REFERENCE.fullmatch(value)
    assert m, f"{name} is not an object reference: {value!r}"
    return int(m.group(1)), m.group(2)


def list_field(body: str, name: str) -> list[str]:
    m = re.search(rf"^  {name}:\n((?:  - .*\n)*)", body, re.M)
    return [line[4:] for line in m.group(1).splitlines()] if m else []


def meta_guid(path: Path) -> str:
    m = re.search(r"^guid: ([0-9a-f]{32})$", path.read_text(encoding="utf-8"), re.M)
    assert m, f"{path} has no guid"
    return m.group(1)


def urp_problems(project: Path) -> list[str]:
    """What keeps `project` from opening as a URP project with the RLMiniStyler feature."""
    problems = []
    pipeline_guid = meta_guid(project / f"{PIPELINE}.meta")
    renderer_guid = meta_guid(project / f"{RENDERER}.meta")
    feature_guid = meta_guid(project / f"{FEATURE_SCRIPT}.meta")
    if len({pipeline_guid, renderer_guid, feature_guid}) != 3:
        problems.append("two .meta files share a GUID")

    graphics = documents(project / GRAPHICS)
    (class_id, body), = graphics.values()
    if class_id != 30:
        problems.append(f"{GRAPHICS} is class {class_id}, not GraphicsSettings (30)")
    if reference(body, "m_CustomRenderPipeline") != (MAIN_OBJECT, pipeline_guid):
        problems.append("GraphicsSettings does not use the sample's pipeline asset")

    pipeline = documents(project / PIPELINE)
    body = pipeline[MAIN_OBJECT][1]
    if reference(body, "m_Script")[1] != URP_PIPELINE_ASSET_SCRIPT:
        problems.append("the pipeline asset is not a UniversalRenderPipelineAsset")
    renderers = [REFERENCE.fullmatch(r) for r in list_field(body, "m_RendererDataList")]
    default = int(field(body, "m_DefaultRendererIndex") or -1)
    if not (0 <= default < len(renderers)) or renderers[default] is None or \
            (int(renderers[default].group(1)), renderers[default].group(2)) != (MAIN_OBJECT, renderer_guid):
        problems.append("the pipeline asset's default renderer is not the sample's renderer data")

    renderer = documents(project / RENDERER)
    body = renderer[MAIN_OBJECT][1]
    if reference(body, "m_Script")[1] != URP_RENDERER_DATA_SCRIPT:
        problems.append("the renderer data is not a UniversalRendererData")
    features = [int(REFERENCE.fullmatch(r).group(1)) for r in list_field(body, "m_RendererFeatures")]
    expected_map = "".join(struct.pack("<q", f).hex() for f in features)
    if field(body, "m_RendererFeatureMap") != expected_map:
        problems.append("m_RendererFeatureMap does not list the features' file IDs")
    ours = []
    for file_id in features:
        if file_id not in renderer:
            problems.append(f"feature {file_id} is not an object of the renderer data")
            continue
        class_id, feature = renderer[file_id]
        if class_id == 114 and reference(feature, "m_Script")[1] == feature_guid:
            ours.append(feature)
    if len(ours) != 1:
        problems.append(f"{len(ours)} RLMiniStyler renderer features on the renderer (want 1)")
    else:
        feature = ours[0]
        if field(feature, "m_Active") != "1":
            problems.append("the RLMiniStyler feature is not active")
        if int(field(feature, "injectionPoint") or -1) != AFTER_RENDERING_POST_PROCESSING:
            problems.append("the feature is not injected after post-processing")
        source = (project / FEATURE_SCRIPT).read_text(encoding="utf-8")
        for name in re.findall(r"^  (\w+):", feature, re.M):
            if not name.startswith("m_") and not re.search(rf"public [\w.]+ {name}\b", source):
                problems.append(f"the feature's serialised '{name}' is not a public field of the script")
    return problems


def test_project_opens_as_urp_with_the_feature():
    assert urp_problems(SAMPLE) == []


def test_feature_script_is_named_as_its_class():
    """Unity binds a MonoScript to the class named as the file."""
    source = (SAMPLE / FEATURE_SCRIPT).read_text(encoding="utf-8")
    assert re.search(r"public sealed class RLMiniStylerRendererFeature : ScriptableRendererFeature\b", source)
    assert "injectionPoint = RenderPassEvent.AfterRenderingPostProcessing" in source


def test_committed_metas_are_not_ignored():
    text = (SAMPLE / ".gitignore").read_text(encoding="utf-8")
    for path in (f"{PIPELINE}.meta", f"{RENDERER}.meta", f"{FEATURE_SCRIPT}.meta", GRAPHICS):
        assert f"!/{path}" in text, path


@pytest.mark.parametrize("breakage", ["feature guid", "feature map", "pipeline guid", "no feature"])
def test_problems_are_found_in_a_broken_copy(tmp_path, breakage):
    for rel in (PIPELINE, RENDERER, GRAPHICS, FEATURE_SCRIPT):
        for suffix in ("", ".meta"):
            src = SAMPLE / (rel + suffix)
            if src.exists():
                (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, tmp_path / (rel + suffix))
    assert urp_problems(tmp_path) == []
    if breakage == "feature guid":
        meta = tmp_path / f"{FEATURE_SCRIPT}.meta"
        meta.write_text(re.sub(r"guid: \w+", "guid: " + "0" * 32, meta.read_text()))
    elif breakage == "feature map":
        data = tmp_path / RENDERER
        data.write_text(re.sub(r"m_RendererFeatureMap: \w+", "m_RendererFeatureMap: 00", data.read_text()))
    elif breakage == "pipeline guid":
        meta = tmp_path / f"{PIPELINE}.meta"
        meta.write_text(re.sub(r"guid: \w+", "guid: " + "1" * 32, meta.read_text()))
    else:
        data = tmp_path / RENDERER
        emptied = re.sub(r"m_RendererFeatures:\n  - .*\n", "m_RendererFeatures: []\n", data.read_text())
        data.write_text(emptied)
    assert urp_problems(tmp_path) != []
