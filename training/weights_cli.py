"""``rlministyler weights download|show``."""

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


def run(args: argparse.Namespace) -> int:
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
