"""``export --target triton``: the repository's configs parse with Triton's own ModelConfig protobuf
(from tritonclient) and name the models' real inputs and outputs; its models run in onnxruntime with
the shapes the configs declare, a batch of requests with different styles giving each one's image;
a folder that is not new or empty is refused before any work, and a failed export leaves nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from rlministyler.cli import main

model_config_pb2 = pytest.importorskip("tritonclient.grpc.model_config_pb2")
DTYPES = {model_config_pb2.TYPE_FP32: np.float32, model_config_pb2.TYPE_FP16: np.float16}


def parse(path: Path):
    from google.protobuf import text_format

    return text_format.Parse(path.read_text(), model_config_pb2.ModelConfig())


def export(tmp_path: Path, weights_dir: Path, *args: str) -> Path:
    out = tmp_path / "repo"
    assert main(["export", "--target", "triton", "--checkpoint", str(weights_dir), "-q", "-o", str(out),
                 *args]) == 0
    return out


def image(path: Path, hw: tuple[int, int]) -> np.ndarray:
    import cv2

    from rlministyler.images import read_image

    rgb = cv2.resize(read_image(path), (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
    return rgb.transpose(2, 0, 1)[None].astype(np.float32)


def run_config(repo: Path, config, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What Triton would do with ``config``: its one model, or its ensemble's steps in order."""
    outputs = [o.name for o in config.output]
    if config.platform != "ensemble":
        session = ort.InferenceSession(str(repo / config.name / "1" / "model.onnx"),
                                       providers=["CPUExecutionProvider"])
        return dict(zip(outputs, session.run(outputs, feeds), strict=True))
    values = dict(feeds)
    for step in config.ensemble_scheduling.step:
        inner = parse(repo / step.model_name / "config.pbtxt")
        result = run_config(repo, inner, {k: values[v] for k, v in step.input_map.items()})
        values.update({step.output_map[k]: v for k, v in result.items()})
    return {name: values[name] for name in outputs}


def test_split_repository_parses_and_batches_requests_with_different_styles(tmp_path, weights_dir, data_dir):
    repo = export(tmp_path, weights_dir, "--steps", "2", "--variant", "split")
    configs = {p.parent.name: parse(p) for p in repo.glob("*/config.pbtxt")}
    assert set(configs) == {"rlministyler", "rlministyler_frame", "rlministyler_style"}
    assert (repo / "rlministyler.json").is_file()
    assert "tritonclient.http" in (repo / "client_example.py").read_text()
    assert not list(tmp_path.glob(".repo.partial-*"))  # the staging folder is gone
    for name in ("rlministyler_frame", "rlministyler_style"):  # the config names the model's real tensors
        config, session = configs[name], ort.InferenceSession(str(repo / name / "1" / "model.onnx"))
        assert config.backend == "onnxruntime" and config.max_batch_size == 8
        assert config.HasField("dynamic_batching") and config.instance_group[0].count == 1
        for declared, real in ((config.input, session.get_inputs()), (config.output, session.get_outputs())):
            assert [t.name for t in declared] == [t.name for t in real]
            for t, r in zip(declared, real, strict=True):  # Triton's dims leave the batch out
                assert DTYPES[t.data_type] == np.float32 and len(t.dims) == len(r.shape) - 1
                assert [d for d in t.dims] == [d if isinstance(d, int) else -1 for d in r.shape[1:]]
    entry = configs["rlministyler"]
    assert entry.platform == "ensemble" and [t.name for t in entry.input] == ["content", "style"]
    steps = [s.model_name for s in entry.ensemble_scheduling.step]
    assert steps == ["rlministyler_style", "rlministyler_frame"]

    contents = sorted((data_dir / "content").iterdir())[:2]
    styles = sorted((data_dir / "style").iterdir())[:2]
    content = np.concatenate([image(p, (48, 64)) for p in contents])
    style = np.concatenate([image(p, (64, 64)) for p in styles])
    together = run_config(repo, entry, {"content": content, "style": style})["stylized"]
    assert together.shape == (2, 3, 48, 64)
    for i in range(2):  # each request alone, and through a plain split export in the runtime's way
        alone = run_config(repo, entry, {"content": content[i:i + 1], "style": style[i:i + 1]})["stylized"]
        assert np.abs(alone[0] - together[i]).max() < 1e-4
    assert np.abs(together[0] - together[1]).mean() > 0.05  # two styles, two different images


def test_static_size_baked_repository_has_no_batching(tmp_path, weights_dir, data_dir):
    style = sorted((data_dir / "style").iterdir())[0]
    repo = export(tmp_path, weights_dir, "--steps", "1", "--variant", "baked", "--style", str(style),
                  "--size", "32x48", "--no-verify")
    config = parse(repo / "rlministyler" / "config.pbtxt")
    assert sorted(p.name for p in repo.iterdir()) == ["client_example.py", "rlministyler",
                                                      "rlministyler.json"]
    assert config.max_batch_size == 0 and not config.HasField("dynamic_batching")
    assert [list(t.dims) for t in config.input] == [[1, 3, 32, 48]]  # the whole shape: no batch dim
    out = run_config(repo, config, {"content": np.random.default_rng(0).random((1, 3, 32, 48), np.float32)})
    assert out["stylized"].shape == (1, 3, 32, 48)
    assert "--style" not in (repo / "client_example.py").read_text()


@pytest.mark.parametrize("case", ["onnx-suffix", "non-empty", "a-file"])
def test_a_destination_that_is_not_new_or_empty_is_refused_before_work(tmp_path, weights_dir, capsys, case):
    out = tmp_path / {"onnx-suffix": "repo.onnx", "non-empty": "site", "a-file": "f"}[case]
    if case == "non-empty":
        out.mkdir()
        (out / "index.html").write_text("the user's")
    if case == "a-file":
        out.write_text("the user's")
    code = main(["export", "--target", "triton", "--steps", "1", "--checkpoint", str(weights_dir),
                 "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--target triton" in err
    if case == "non-empty":
        assert [p.name for p in out.iterdir()] == ["index.html"]
        assert (out / "index.html").read_text() == "the user's"
    if case == "a-file":
        assert out.read_text() == "the user's"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({out.name} - {"repo.onnx"})


def test_a_repository_that_fails_its_check_leaves_nothing(tmp_path, weights_dir, monkeypatch, capsys):
    from rlministyler.export import triton

    from rlministyler.errors import UserError

    def fails(folder, configs):
        assert (folder / "rlministyler" / "config.pbtxt").is_file()  # checked in the staging folder
        raise UserError("triton: a batch of two does not give each request's stylized")

    monkeypatch.setattr(triton, "check_repository", fails)
    out = tmp_path / "empty"
    out.mkdir()
    code = main(["export", "--target", "triton", "--steps", "1", "--checkpoint", str(weights_dir),
                 "--no-verify", "-o", str(out)])
    assert code == 2 and "a batch of two" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"] and not any(out.iterdir())
