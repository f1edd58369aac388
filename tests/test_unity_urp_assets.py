"""The Unity sample opens as a URP project: GraphicsSettings points at the committed pipeline asset,
the pipeline asset at the committed renderer data, and the renderer data holds the RLMiniStyler
renderer feature bound to its script's committed GUID; every asset has a committed .meta, and the
renderer data carries its version. Read from the YAML and .meta files, as Unity resolves them (by GUID
and file ID, never by name)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import struct
import subprocess
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
    for path in (f"{PIPELINE}.meta", f"{RENDERER}.meta", f"{FEATURE_SCRIPT}.meta", GRAPHICS):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=SAMPLE)
        assert ignored.returncode == 1, f"{path} is git-ignored"


# --------------------------------------------------------------------------------------------------
# Every asset has a committed .meta (Unity keys assets by its GUID: one made per clone breaks references)

def _unity_meta():
    """scripts/unity_meta.py, which writes the .meta files (its importer table and GUID rule)."""
    spec = importlib.util.spec_from_file_location("unity_meta", ROOT / "scripts" / "unity_meta.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


IMPORTER_BY_SUFFIX = _unity_meta().IMPORTERS


def committed_assets(project: Path) -> list[str]:
    """What git would commit under Assets (tracked, or new and not ignored), .meta files included."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "Assets"],
                            cwd=project, capture_output=True, text=True, check=True).stdout.split()
    return [name for name in listed if (project / name).exists()]


def meta_problems(project: Path, files: list[str]) -> list[str]:
    """Assets and folders among ``files`` without a .meta among them, .meta files without an asset,
    malformed or repeated GUIDs, importers that do not fit the asset."""
    problems = []
    metas = {name for name in files if name.endswith(".meta")}
    assets = {name for name in files if not name.endswith(".meta")}
    folders = {p.as_posix() for name in assets for p in Path(name).parents} - {"Assets", "."}
    for asset in sorted(assets | folders):
        if f"{asset}.meta" not in metas:
            problems.append(f"{asset} has no committed .meta")
    seen: dict[str, str] = {}
    for meta in sorted(metas):
        asset = meta.removesuffix(".meta")
        if asset not in assets | folders:
            problems.append(f"{meta} belongs to no committed asset")
            continue
        text = (project / meta).read_text(encoding="utf-8")
        m = re.search(r"^guid: ([0-9a-f]{32})$", text, re.M)
        if not m:
            problems.append(f"{meta} has no 32-hex-digit guid")
            continue
        if m.group(1) in seen:
            problems.append(f"{meta} repeats the guid of {seen[m.group(1)]}")
        seen[m.group(1)] = meta
        if asset in folders:
            if "folderAsset: yes" not in text:
                problems.append(f"{meta} is not a folder's .meta")
        elif Path(asset).suffix in IMPORTER_BY_SUFFIX and \
                not re.search(rf"^{IMPORTER_BY_SUFFIX[Path(asset).suffix]}:$", text, re.M):
            problems.append(f"{meta} does not use the {IMPORTER_BY_SUFFIX[Path(asset).suffix]}")
    return problems


def test_every_asset_and_folder_has_its_committed_meta():
    files = committed_assets(SAMPLE)
    assert sum(name.endswith(".cs") for name in files) >= 15
    assert meta_problems(SAMPLE, files) == []


def test_meta_check_finds_what_is_wrong():
    files = committed_assets(SAMPLE)
    assert meta_problems(SAMPLE, files) == []
    without = [f for f in files if f != f"{FEATURE_SCRIPT}.meta"]
    assert meta_problems(SAMPLE, without) == [f"{FEATURE_SCRIPT} has no committed .meta"]
    folder_gone = [f for f in files if f != "Assets/RLMiniStyler/Runtime/URP.meta"]
    assert meta_problems(SAMPLE, folder_gone) == ["Assets/RLMiniStyler/Runtime/URP has no committed .meta"]
    orphan = [f for f in files if f != FEATURE_SCRIPT]
    assert f"{FEATURE_SCRIPT}.meta belongs to no committed asset" in meta_problems(SAMPLE, orphan)


def test_meta_generator_gives_stable_unique_guids():
    unity_meta = _unity_meta()
    assert unity_meta.guid(Path(FEATURE_SCRIPT)) == unity_meta.guid(Path(FEATURE_SCRIPT))
    assert unity_meta.guid(Path(FEATURE_SCRIPT)) != unity_meta.guid(Path(PIPELINE))
    assert re.fullmatch(r"[0-9a-f]{32}", unity_meta.guid(Path(PIPELINE)))


# --------------------------------------------------------------------------------------------------
# The renderer data as URP reads it: UniversalRendererData.OnAfterDeserialize upgrades an asset without
# m_AssetVersion (read as 0): version <= 0 sets the intermediate texture mode to Always, <= 1 the copy
# depth mode to AfterOpaques, then marks it version 2 (URP 17, Runtime/UniversalRendererData.cs)

RENDERER_DATA_VERSION = 2
INTERMEDIATE_ALWAYS, COPY_DEPTH_AFTER_OPAQUES = 1, 0


def renderer_as_urp_reads_it(body: str) -> dict[str, int]:
    read = {name: int(field(body, name) or 0) for name in ("m_AssetVersion", "m_IntermediateTextureMode",
                                                           "m_CopyDepthMode")}
    if read["m_AssetVersion"] <= 0:
        read["m_IntermediateTextureMode"] = INTERMEDIATE_ALWAYS
    if read["m_AssetVersion"] <= 1:
        read["m_CopyDepthMode"] = COPY_DEPTH_AFTER_OPAQUES
    read["m_AssetVersion"] = RENDERER_DATA_VERSION
    return read


def test_renderer_data_carries_its_version_so_urp_keeps_the_committed_settings():
    body = documents(SAMPLE / RENDERER)[MAIN_OBJECT][1]
    committed = {name: int(field(body, name)) for name in ("m_AssetVersion", "m_IntermediateTextureMode",
                                                           "m_CopyDepthMode")}
    assert committed["m_AssetVersion"] == RENDERER_DATA_VERSION
    assert renderer_as_urp_reads_it(body) == committed
    # without the version URP would override the committed copy-depth mode (what the asset did before)
    unversioned = re.sub(r"^  m_AssetVersion: \d+\n", "", body, flags=re.M)
    assert renderer_as_urp_reads_it(unversioned)["m_CopyDepthMode"] != committed["m_CopyDepthMode"]


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
