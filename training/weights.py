"""Where the official checkpoints come from and where we look for them.

Resolution order for a checkpoint directory: ``--checkpoint DIR``, then the environment
variable ``RLMINISTYLER_CHECKPOINT``, then the download cache (``weights_cache_dir()``).
No torch here: ``rlministyler weights download`` stays light.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rlministyler.cache import ENV_CACHE as ENV_CACHE  # re-exported for callers of this module
from rlministyler.cache import cache_root
from rlministyler.errors import UserError
from rlministyler.limits import check_regular_file, file_kind
from rlministyler.spec import DISTILLED_FILE as DISTILLED_FILE  # re-exported: training's name for it

ENV_CHECKPOINT = "RLMINISTYLER_CHECKPOINT"
ENV_BASE_URL = "RLMINISTYLER_WEIGHTS_URL"
DEFAULT_BASE_URL = "https://raw.githubusercontent.com/fengxiaoming520/RLMiniStyler/main/exp/ckpt/"


@dataclass(frozen=True)
class WeightFile:
    name: str
    sha256: str


OFFICIAL_FILES = (
    WeightFile("actor.pth.tar", "ab193d688e9782969a97187e9cf6053198ebd7116cd3944647e8b79ecf99295a"),
    WeightFile("builder.pth.tar", "88950a3b065842d75af2947c5ddd0b1d43b79defa5f7c3bc419296c77cb8d9b8"),
)

HOW_TO_GET = ("run `rlministyler weights download`, or pass --checkpoint DIR (or set "
              f"{ENV_CHECKPOINT}) to a folder holding actor.pth.tar and builder.pth.tar")


def weights_cache_dir() -> Path:
    """The download cache: $RLMINISTYLER_CACHE, else $XDG_CACHE_HOME/rlministyler, else ~/.cache."""
    return cache_root() / "weights"




def distilled_model_path() -> Path:
    """Where ``--model distilled`` looks: the weights cache's ``distilled/`` folder."""
    return weights_cache_dir() / "distilled" / DISTILLED_FILE


MODELS = ("official", "distilled")  # `--model` names; anything else is a path


def resolve_model(model: str) -> Path | None:
    """``--model``: None for the official sequence; else the distilled model file it names
    (``distilled``: the installed one; a path: a distill run's ``latest/`` folder or its file)."""
    if model == "official":
        return None
    if model == "distilled":
        path = distilled_model_path()
        if not path.is_file():
            raise UserError(f"no distilled model is installed ({path} not found): pass --model PATH "
                            "with a `rlministyler distill` run's best/ folder, or install one with "
                            "`rlministyler weights install RUN/best`")
        return path
    return distilled_file(model, "--model", "neither official, distilled nor a distilled model file")


def distilled_file(model: str, role: str, missing: str) -> Path:
    """The distilled model file a path names: a folder holding ``DISTILLED_FILE`` (a run's ``best/``
    or ``latest/``), or the file; a one-line error beginning ``role model: missing`` when there is none."""
    path = Path(model).expanduser()
    if path.is_dir():
        path = path / DISTILLED_FILE
    if not path.exists():
        raise UserError(f"{role} {model}: {missing} ({path} not found)")
    check_regular_file(path, role)  # a FIFO or a device, named as what it is
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_checkpoint_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The checkpoint directory to use; a one-line error if it lacks the two files."""
    if explicit:
        directory, source = Path(explicit).expanduser(), "--checkpoint"
    elif os.environ.get(ENV_CHECKPOINT):
        directory, source = Path(os.environ[ENV_CHECKPOINT]).expanduser(), ENV_CHECKPOINT
    else:
        directory, source = weights_cache_dir(), "the download cache"
    if not directory.is_dir():
        what = "does not exist"
        if directory.exists():
            what = f"is {file_kind(os.stat(directory).st_mode)}, not a folder"
        raise UserError(f"checkpoint directory {directory} (from {source}) {what}: {HOW_TO_GET}")
    missing = [w.name for w in OFFICIAL_FILES if not (directory / w.name).exists()]
    if missing:
        raise UserError(f"{' and '.join(missing)} not found in {directory} (from {source}): {HOW_TO_GET}")
    for w in OFFICIAL_FILES:  # a FIFO or a folder of that name, named as what it is
        check_regular_file(directory / w.name, f"checkpoint file (from {source})")
    return directory


def verify_official(directory: Path) -> dict[str, bool]:
    """Which of the two files in ``directory`` are byte-identical to the official release."""
    return {w.name: (directory / w.name).is_file() and sha256_of(directory / w.name) == w.sha256
            for w in OFFICIAL_FILES}


def download_official(dest: Path | None = None, base_url: str | None = None, force: bool = False,
                      progress: bool = True) -> Path:
    """Fetch the official files into ``dest`` (the cache by default), verifying their sha256.

    Files already present with the right hash are kept; one present with another hash (a
    fine-tuned checkpoint, say) is replaced only with ``force``, and without it nothing is fetched.
    A file is written to a temporary name and renamed only once its hash is right, so a failed
    download never leaves a bad file.
    """
    dest = Path(dest) if dest else weights_cache_dir()
    if dest.exists() and not dest.is_dir():
        raise UserError(f"weights directory {dest} is not a directory")
    # each present file hashed once: kept when right, and without --force a wrong one stops everything
    right = set() if force else {wf.name for wf in OFFICIAL_FILES
                                 if (dest / wf.name).is_file() and sha256_of(dest / wf.name) == wf.sha256}
    for wf in OFFICIAL_FILES:
        target = dest / wf.name
        if not force and wf.name not in right and target.exists():
            raise UserError(f"{target} is there and is not the official file: pass --force to replace "
                            "it, or choose another --dir")
    base = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    if not base.endswith("/"):
        base += "/"
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create weights directory {dest}: {exc.strerror}") from None
    for wf in OFFICIAL_FILES:
        target = dest / wf.name
        if wf.name in right:
            print(f"{target}: present, sha256 ok")
            continue
        _fetch(base + wf.name, target, wf, progress)
        print(f"{target}: downloaded, sha256 ok")
    return dest


def _fetch(url: str, target: Path, wf: WeightFile, progress: bool) -> None:
    from tqdm import tqdm

    fd, tmp_name = tempfile.mkstemp(prefix=wf.name, suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    total = int(response.headers.get("Content-Length") or 0) or None
                    with tqdm(total=total, unit="B", unit_scale=True, desc=wf.name,
                              disable=not progress, leave=False) as bar:
                        while block := response.read(1 << 16):
                            out.write(block)
                            bar.update(len(block))
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", None) or exc
                raise UserError(f"download of {url} failed ({reason}); without internet, copy "
                                f"{wf.name} from a machine that has it and pass --checkpoint DIR"
                                ) from None
        got = sha256_of(tmp)
        if got != wf.sha256:
            raise UserError(f"{url} has sha256 {got[:12]}..., expected {wf.sha256[:12]}...: "
                            "not the official file; nothing was written")
        shutil.move(str(tmp), target)
    finally:
        tmp.unlink(missing_ok=True)
