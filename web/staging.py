"""A site is built in a staging folder beside ``-o``, read back, and only then swapped in: Ctrl-C or
a failure at any point leaves ``-o`` as it was (the last site, or nothing), and a site is never
reported built over models that do not load.

The swap: a new or empty ``-o`` becomes the staging folder by one rename; an earlier site (its
marker file) is renamed aside, the staging folder renamed into place, anything the user had added
to the old site moved across, and the old site removed. A folder that is not a site this builder
made is refused before any work and never touched.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rlministyler.runtime.metadata import ModelInfo

from rlministyler.errors import UserError


def staging_folder(site: Path) -> Path:
    return site.with_name(f".{site.name}.partial-{os.getpid()}")


def check_target(site: Path, marker: str) -> None:
    """Before any work: ``-o`` is new, empty, or a site this builder made."""
    if site.exists() and not site.is_dir():
        raise UserError(f"-o {site}: a file of that name exists; give a folder")
    if site.is_dir() and any(site.iterdir()) and not (site / marker).is_file():
        raise UserError(f"-o {site}: the folder is not empty and was not made by rlministyler web (no "
                        f"{marker} in it); give a new or empty folder")


def check_single_file(path: Path) -> None:
    """A model whose weights live in external data files would reach the page without them."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    external = [t.name for t in model.graph.initializer
                if t.data_location == onnx.TensorProto.EXTERNAL]
    if external:
        raise UserError(f"{path} keeps {len(external)} weight(s) in external data files, which the page "
                        "cannot load: export it as one file (rlministyler export writes one)")


def read_back(staging: Path, info: ModelInfo, files: dict[str, str], encoder_file: str | None) -> None:
    """Every model written loads in onnxruntime and has the tensors the page will ask for; a split
    model's encoder is that export's encoder."""
    import onnxruntime as ort
    from rlministyler.runtime.agreement import check_style_encoder

    options = ort.SessionOptions()
    options.log_severity_level = 3
    for step, name in files.items():
        try:
            session = ort.InferenceSession(str(staging / name), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's own error types
            raise UserError(f"the site's {name} does not load: {str(exc).splitlines()[0][:160]}") from None
        inputs = sorted(i.name for i in session.get_inputs())
        outputs = [o.name for o in session.get_outputs()]
        if inputs != sorted(info.frame_inputs) or info.outputs[int(step)] not in outputs:
            raise UserError(f"the site's {name} does not take {', '.join(info.frame_inputs)} and give "
                            f"{info.outputs[int(step)]}, as {info.path.name}'s metadata says: "
                            "export it again")
    if encoder_file is not None:
        try:
            session = ort.InferenceSession(str(staging / encoder_file), options,
                                           providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's own error types
            raise UserError(f"the style encoder {info.style_encoder} does not load: "
                            f"{str(exc).splitlines()[0][:160]}") from None
        check_style_encoder(session, info)


def swap_in(staging: Path, site: Path, marker: str, built: tuple[str, ...]) -> None:
    """Put the finished ``staging`` folder at ``site`` (see the module docstring)."""
    if not site.exists():
        staging.rename(site)
        return
    if not any(site.iterdir()):
        site.rmdir()
        staging.rename(site)
        return
    check_target(site, marker)  # again: the folder may have changed during the build
    old = site.with_name(f".{site.name}.old-{os.getpid()}")
    site.rename(old)
    staging.rename(site)
    for entry in old.iterdir():  # the user's own additions to the old site stay
        if entry.name not in built and entry.name != marker:
            entry.rename(site / entry.name)
    shutil.rmtree(old)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
