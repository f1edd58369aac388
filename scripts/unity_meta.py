"""Write the missing Unity .meta files of the sample (unity_sample/Assets), with stable GUIDs.

Unity keys every asset by the GUID in its .meta file; an asset committed without one gets a new GUID in
every clone, and whatever refers to it (a scene's script, a renderer's feature) breaks. A GUID made here
is the MD5 of the asset's path under unity_sample/, so running this again, anywhere, gives the same
one; existing .meta files are left as they are. tests/test_unity_urp_assets.py checks that every asset
and folder has its .meta.

    python scripts/unity_meta.py          # writes what is missing, prints each file written
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "unity_sample"

IMPORTERS = {".cs": "MonoImporter", ".compute": "ComputeShaderImporter", ".md": "TextScriptImporter",
             ".json": "TextScriptImporter", ".asset": "NativeFormatImporter"}
BUNDLE = "  userData: \n  assetBundleName: \n  assetBundleVariant: \n"


def assets() -> list[Path]:
    """Every file and folder under Assets that git would commit (tracked, or new and not ignored)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "Assets"],
                            cwd=SAMPLE, capture_output=True, text=True, check=True).stdout.split()
    found: set[Path] = set()
    for name in listed:
        if name.endswith(".meta") or not (SAMPLE / name).exists():
            continue
        path = Path(name)
        found.add(path)
        found.update(p for p in path.parents if p != Path("Assets") and p != Path("."))
    return sorted(found)


def guid(path: Path) -> str:
    return hashlib.md5(path.as_posix().encode("utf-8")).hexdigest()


def meta_text(path: Path) -> str:
    head = f"fileFormatVersion: 2\nguid: {guid(path)}\n"
    if (SAMPLE / path).is_dir():
        return head + "folderAsset: yes\nDefaultImporter:\n  externalObjects: {}\n" + BUNDLE
    importer = IMPORTERS.get(path.suffix, "DefaultImporter")
    if importer == "MonoImporter":
        return (head + "MonoImporter:\n  externalObjects: {}\n  serializedVersion: 2\n"
                "  defaultReferences: []\n  executionOrder: 0\n  icon: {instanceID: 0}\n" + BUNDLE)
    if importer == "NativeFormatImporter":
        return head + "NativeFormatImporter:\n  externalObjects: {}\n  mainObjectFileID: 11400000\n" + BUNDLE
    return head + f"{importer}:\n  externalObjects: {{}}\n" + BUNDLE


def main() -> int:
    for path in assets():
        meta = SAMPLE / f"{path}.meta"
        if not meta.exists():
            meta.write_text(meta_text(path), encoding="utf-8")
            print(meta.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
