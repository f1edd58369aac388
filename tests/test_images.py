"""Image files in and out: formats, bit depths, rounding, errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from rlministyler.errors import UserError
from rlministyler.images import read_image, resize_shorter, to_uint8, write_image
from rlministyler.sheet import contact_sheet


def test_rounding_not_truncation():
    x = np.array([[[0.0, 0.5 / 255, 1.49 / 255]], [[254.5 / 255, 1.2, -0.3]]], np.float32)
    assert to_uint8(x).tolist() == [[[0, 1, 1]], [[255, 255, 0]]]
    assert to_uint8(np.float32([[[0.998]]])).item() == 254  # 254.49 rounds down


@pytest.mark.parametrize("ext", [".png", ".jpg", ".webp", ".bmp"])
def test_formats_round_trip(tmp_path, data_dir, ext):
    rgb = resize_shorter(read_image(data_dir / "content" / "adain_chicago.jpg"), 64)
    path = write_image(tmp_path / f"x{ext}", rgb)
    back = read_image(path)
    assert back.shape == rgb.shape and back.dtype == np.float32
    tol = 0.08 if ext == ".jpg" else 0.5 / 255 + 1e-6
    assert np.abs(back - rgb).mean() < tol
    assert not list(tmp_path.glob(".*tmp"))


def test_channel_order_is_rgb(tmp_path):
    bgr = np.zeros((8, 8, 3), np.uint8)
    bgr[..., 2] = 255  # red in OpenCV's order
    cv2.imwrite(str(tmp_path / "red.png"), bgr)
    rgb = read_image(tmp_path / "red.png")
    assert rgb[0, 0].tolist() == [1.0, 0.0, 0.0]


def test_grey_16bit_and_alpha(tmp_path):
    cv2.imwrite(str(tmp_path / "grey.png"), np.full((8, 9), 128, np.uint8))
    cv2.imwrite(str(tmp_path / "deep.png"), np.full((8, 9, 3), 65535, np.uint16))
    cv2.imwrite(str(tmp_path / "alpha.png"), np.full((8, 9, 4), 200, np.uint8))
    assert read_image(tmp_path / "grey.png").shape == (8, 9, 3)
    assert np.allclose(read_image(tmp_path / "deep.png"), 1.0)
    assert read_image(tmp_path / "alpha.png").shape == (8, 9, 3)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(UserError, match="image not found"):
        read_image(tmp_path / "nope.png")
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(UserError, match="not a readable image"):
        read_image(tmp_path / "bad.jpg")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(UserError, match="not a readable image"):
        read_image(tmp_path / "empty.png")


def test_unwritable_outputs(tmp_path):
    with pytest.raises(UserError, match="use one of"):
        write_image(tmp_path / "x.gif", np.zeros((4, 4, 3), np.float32))
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="not a directory"):
        write_image(tmp_path / "file" / "x.png", np.zeros((4, 4, 3), np.float32))


def test_resize_shorter_side():
    img = np.zeros((300, 500, 3), np.float32)
    assert resize_shorter(img, 150).shape == (150, 250, 3)
    assert resize_shorter(img, 600).shape == (600, 1000, 3)
    assert resize_shorter(img, 0) is img


def test_contact_sheet_layout():
    tiles = [(f"step {i}", np.full((50, 100, 3), i / 10, np.float32)) for i in range(8)]
    sheet = contact_sheet(tiles, tile_height=64, per_row=6)
    assert sheet.dtype == np.uint8
    # two rows of 64 px tiles with 28 px labels and 6 px gaps; six 128 px wide tiles in a row
    assert sheet.shape == (2 * (64 + 28 + 6) + 6, 6 * 128 + 7 * 6, 3)
