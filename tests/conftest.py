"""Shared fixtures. Data and weights come from ../shared when it is there (CI has it)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RLMINISTYLER_SHARED", ROOT.parent / "shared"))
WEIGHTS = SHARED / "weights" / "rlministyler"
REFERENCE = SHARED / "reference"
DATA = SHARED / "data"

needs_shared = pytest.mark.skipif(not (WEIGHTS / "actor.pth.tar").is_file(),
                                  reason=f"official weights not found under {SHARED}")


@pytest.fixture(scope="session")
def weights_dir() -> Path:
    if not (WEIGHTS / "actor.pth.tar").is_file():
        pytest.skip(f"official weights not found under {SHARED}")
    return WEIGHTS


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA / "content").is_dir():
        pytest.skip(f"sample data not found under {SHARED}")
    return DATA


@pytest.fixture(scope="session")
def stylizer(weights_dir):
    from rlministyler.training.sequence import TorchStylizer

    return TorchStylizer.from_checkpoint(weights_dir, "cpu")


@pytest.fixture(scope="session")
def distilled(tmp_path_factory, weights_dir):
    """A student whose steps differ (a random step table), saved as a distill run would."""
    import torch
    from rlministyler.training.distill.checkpoint import save_distilled
    from rlministyler.training.distill.model import OnePassStylizer
    from rlministyler.training.model import load_pair

    model = OnePassStylizer(*load_pair(weights_dir), max_steps=4)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for table in model.conditioning.parameters():
            table.copy_(0.1 * torch.randn(table.shape, generator=generator))
    folder = tmp_path_factory.mktemp("distilled")
    save_distilled(model, folder / "distilled.pth.tar", {})
    return folder


def load_reference(case: str) -> dict[str, np.ndarray]:
    path = REFERENCE / f"official_{case}.npz"
    if not path.is_file():
        pytest.skip(f"reference outputs not found: {path}")
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


@pytest.fixture(autouse=True, scope="session")
def _exports_follow_the_contract():
    """Every export a test makes is validated against the committed JSON Schema as it is written:
    the sidecar and the copy inside each .onnx."""
    import json
    import sys

    describe = sys.modules.get("rlministyler.export.describe")  # imported at collection by tests that export
    if describe is None:
        yield
        return
    import jsonschema

    from rlministyler.contract import SCHEMA_PATH

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    write_json, set_metadata = describe.write_json, describe.embed_metadata

    def checked_write_json(path, data):
        validator.validate(data)
        write_json(path, data)

    def checked_set_metadata(model, meta):
        set_metadata(model, meta)
        validator.validate(json.loads(model.metadata_props[0].value))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(describe, "write_json", checked_write_json)
        patch.setattr(describe, "embed_metadata", checked_set_metadata)
        yield


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """A command run in-process that stops on Ctrl-C leaves SIGINT ignored, as the process it
    stands for would exit; later tests (and the processes they start) must not inherit that."""
    import signal

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        if signal.getsignal(sig) is not handler and handler is not None:
            signal.signal(sig, handler)
