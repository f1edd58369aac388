"""``rlministyler weights download|show|install``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .weights import (
    OFFICIAL_FILES,
    distilled_model_path,
    download_official,
    resolve_checkpoint_dir,
    verify_official,
)


def install(source: str, force: bool = False) -> Path:
    """Copy the distilled model ``source`` (a folder with ``distilled.pth.tar``, or the file) and its
    card to where ``--model distilled`` finds it, after loading it. An installed model that differs
    is replaced only with ``force``; the same one is left as it is."""
    import shutil

    from rlministyler.errors import UserError
    from rlministyler.safety import check_output_folder

    from .distill.card import CARD_FILE
    from .distill.checkpoint import load_distilled
    from .weights import distilled_file, sha256_of

    path = distilled_file(source, "MODEL", "no distilled model file there")
    load_distilled(path)  # a model that does not load is never installed
    dest = distilled_model_path()
    if dest.resolve() == path.resolve():
        return dest
    if dest.is_file() and sha256_of(dest) != sha256_of(path) and not force:
        raise UserError(f"{dest} holds another distilled model: pass --force to replace it")
    check_output_folder(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for src, target in ((path, dest), (path.with_name(CARD_FILE), dest.with_name(CARD_FILE))):
        if src.is_file():
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(src, tmp)
            tmp.replace(target)  # atomic: a half-copied model is never what --model distilled reads
        elif target.is_file():
            target.unlink()  # the card of the model being replaced would describe the wrong one
    return dest


def run(args: argparse.Namespace) -> int:
    if args.action == "install":
        dest = install(args.model, force=args.force)
        print(f"installed {dest} (--model distilled)")
        return 0
    if args.action == "download":
        dest = download_official(Path(args.dir).expanduser() if args.dir else None,
                                 base_url=args.base_url, force=args.force, progress=not args.quiet)
        print(f"checkpoints ready in {dest}")
        return 0
    directory = resolve_checkpoint_dir(args.checkpoint)
    print(f"checkpoint folder: {directory}")
    for name, official in verify_official(directory).items():
        size = (directory / name).stat().st_size
        verdict = "official (sha256 ok)" if official else "not the official file (fine-tuned?)"
        print(f"  {name}: {size:,} bytes, {verdict}")
    print(f"official files: {', '.join(w.name for w in OFFICIAL_FILES)}")
    distilled = distilled_model_path()
    state = f"{distilled.stat().st_size:,} bytes" if distilled.is_file() else "not installed"
    print(f"distilled model (--model distilled): {distilled} ({state})")
    return 0
