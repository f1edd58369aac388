"""Checkpoint loading, saving, resolution and the verified download."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest
import torch
from rlministyler.training.model import Actor, Builder, load_actor, load_builder, load_pair, save_pair
from rlministyler.training.weights import (
    ENV_CACHE,
    ENV_CHECKPOINT,
    OFFICIAL_FILES,
    download_official,
    resolve_checkpoint_dir,
    verify_official,
)

from rlministyler.errors import UserError


def test_official_files_have_the_published_hashes(weights_dir):
    assert verify_official(weights_dir) == {"actor.pth.tar": True, "builder.pth.tar": True}


def test_save_and_reload_round_trip_in_the_published_format(weights_dir, tmp_path):
    actor, builder = load_pair(weights_dir)
    save_pair(actor, builder, tmp_path)
    saved = torch.load(tmp_path / "actor.pth.tar", weights_only=True)
    official = torch.load(weights_dir / "actor.pth.tar", weights_only=True)
    assert list(saved) == list(official)
    assert all(torch.equal(saved[k], official[k]) for k in official)
    again = load_builder(tmp_path / "builder.pth.tar")
    assert all(torch.equal(a, b) for a, b in zip(again.state_dict().values(),
                                                  builder.state_dict().values(), strict=True))
    assert not list(tmp_path.glob("*.tmp"))


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_actor(tmp_path / "actor.pth.tar")


def test_corrupt_checkpoint_is_a_clear_error(weights_dir, tmp_path):
    data = (weights_dir / "actor.pth.tar").read_bytes()
    (tmp_path / "actor.pth.tar").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="corrupt or unreadable checkpoint"):
        load_actor(tmp_path / "actor.pth.tar")
    (tmp_path / "actor.pth.tar").write_bytes(b"not a checkpoint at all")
    with pytest.raises(UserError, match="corrupt or unreadable checkpoint"):
        load_actor(tmp_path / "actor.pth.tar")


def test_swapped_files_are_recognised(weights_dir):
    with pytest.raises(UserError, match="not an RLMiniStyler actor checkpoint"):
        load_actor(weights_dir / "builder.pth.tar")
    with pytest.raises(UserError, match="not an RLMiniStyler builder checkpoint"):
        load_builder(weights_dir / "actor.pth.tar")


def test_wrong_shape_is_refused(weights_dir, tmp_path):
    state = torch.load(weights_dir / "builder.pth.tar", weights_only=True)
    state["dec5.0.conv_layer.weight"] = torch.zeros(3, 16, 3, 3)
    torch.save(state, tmp_path / "builder.pth.tar")
    with pytest.raises(UserError, match=r"shape \(3, 16, 3, 3\), expected \(3, 16, 9, 9\)"):
        load_builder(tmp_path / "builder.pth.tar")


def test_extra_tensors_are_refused(weights_dir, tmp_path):
    state = torch.load(weights_dir / "actor.pth.tar", weights_only=True)
    state["critic.weight"] = torch.zeros(1)
    torch.save(state, tmp_path / "actor.pth.tar")
    with pytest.raises(UserError, match="unexpected tensors"):
        load_actor(tmp_path / "actor.pth.tar")


def test_random_models_round_trip(tmp_path):
    actor, builder = Actor(), Builder()
    save_pair(actor, builder, tmp_path)
    a2, b2 = load_pair(tmp_path)
    x = torch.rand(1, 3, 32, 32)
    with torch.inference_mode():
        assert torch.equal(b2(a2.act(x), a2.encode_style(x)), builder(actor.act(x), actor.encode_style(x)))


def test_resolution_order(weights_dir, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.delenv(ENV_CHECKPOINT, raising=False)
    with pytest.raises(UserError, match="weights download"):
        resolve_checkpoint_dir(None)
    monkeypatch.setenv(ENV_CHECKPOINT, str(weights_dir))
    assert resolve_checkpoint_dir(None) == weights_dir
    assert resolve_checkpoint_dir(str(weights_dir)) == weights_dir
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(weights_dir / "actor.pth.tar", half)
    with pytest.raises(UserError, match=r"builder\.pth\.tar not found"):
        resolve_checkpoint_dir(half)


@pytest.fixture()
def file_server(tmp_path):
    """A loopback HTTP server serving tmp_path/served (stands in for the authors' repository)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_verifies_and_installs(weights_dir, file_server, tmp_path, capsys):
    root, url = file_server
    for wf in OFFICIAL_FILES:
        shutil.copy(weights_dir / wf.name, root)
    dest = download_official(tmp_path / "w", base_url=url, progress=False)
    assert verify_official(dest) == {"actor.pth.tar": True, "builder.pth.tar": True}
    assert "downloaded, sha256 ok" in capsys.readouterr().out
    download_official(dest, base_url=url, progress=False)  # second time: kept, not fetched
    assert capsys.readouterr().out.count("present, sha256 ok") == 2
    assert not list(dest.glob("*.part"))


def test_download_with_wrong_hash_writes_nothing(weights_dir, file_server, tmp_path):
    root, url = file_server
    (root / "actor.pth.tar").write_bytes(b"tampered")
    with pytest.raises(UserError, match="not the official file"):
        download_official(tmp_path / "w", base_url=url, progress=False)
    assert list((tmp_path / "w").iterdir()) == []


def test_download_never_replaces_another_file_without_force(weights_dir, file_server, tmp_path):
    root, url = file_server
    for wf in OFFICIAL_FILES:
        shutil.copy(weights_dir / wf.name, root)
    dest = tmp_path / "w"
    dest.mkdir()
    (dest / "builder.pth.tar").write_bytes(b"my fine-tuned builder")
    with pytest.raises(UserError, match=r"builder\.pth\.tar is there and is not the official file: pass"):
        download_official(dest, base_url=url, progress=False)
    assert sorted(p.name for p in dest.iterdir()) == ["builder.pth.tar"]  # nothing fetched either
    assert (dest / "builder.pth.tar").read_bytes() == b"my fine-tuned builder"
    download_official(dest, base_url=url, progress=False, force=True)
    assert verify_official(dest) == {"actor.pth.tar": True, "builder.pth.tar": True}
    with pytest.raises(UserError, match="is not a directory"):
        download_official(dest / "actor.pth.tar", base_url=url, progress=False)


def test_download_of_missing_file_is_a_clear_error(file_server, tmp_path):
    _, url = file_server
    with pytest.raises(UserError, match=r"download of .*actor\.pth\.tar failed"):
        download_official(tmp_path / "w", base_url=url, progress=False)
    assert list((tmp_path / "w").iterdir()) == []


def test_download_without_network_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="pass --checkpoint DIR"):
        download_official(tmp_path / "w", base_url="http://127.0.0.1:9/", progress=False)


def test_checkpoint_dir_must_exist(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        resolve_checkpoint_dir(Path(tmp_path / "nope"))
