"""The user cache folder every download lands under (the weights, onnxruntime-web for the page):
``$RLMINISTYLER_CACHE``, else ``$XDG_CACHE_HOME/rlministyler``, else ``~/.cache/rlministyler``."""

from __future__ import annotations

import os
from pathlib import Path

ENV_CACHE = "RLMINISTYLER_CACHE"


def cache_root() -> Path:
    """The cache folder (not created here); each user of it takes a sub-folder of its own."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "rlministyler"
