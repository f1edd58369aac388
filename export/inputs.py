"""The export's images: the style to fold in, the verification pair (real or synthetic), the int8
calibration frames, and the inputs each variant's frame model takes besides the content."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnx
from rlministyler.runtime.providers import cpu_session
from rlministyler.training.sequence import to_tensor

from rlministyler.errors import UserError
from rlministyler.images import READ_EXTENSIONS, read_image, resize_shorter
from rlministyler.spec import MIN_SIZE, SIZE_MULTIPLE, STYLE_SIZE

from .plan import ExportPlan
from .precision import CALIBRATION_FRAMES
from .targets import STEP_INPUT, STYLE_TENSORS, Variant

# Without --size, verification and calibration frames are as small as an encoded style: quick to check.
FRAME_SIDE = STYLE_SIZE


@dataclass
class ExportInputs:
    """The images an export reads, RGB float32 in [0, 1]."""

    style: np.ndarray | None  # --style, its shorter side at --style-size
    verify_content: np.ndarray | None  # --verify CONTENT at its own size
    verify_style: np.ndarray | None  # the style verification uses: --style for baked, else --verify STYLE
    calibration: list[np.ndarray] | None  # --calibration's frames, one size for all


def read_rgb(path: Path, shorter: int) -> np.ndarray:
    return resize_shorter(read_image(path), shorter)


def resize(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.clip(cv2.resize(rgb, (size[1], size[0]), interpolation=cv2.INTER_AREA), 0.0, 1.0)


def fit(rgb: np.ndarray, size: tuple[int, int] | None, shorter: int = FRAME_SIDE) -> np.ndarray:
    """A verification frame: the export's static size, or shorter side ``shorter``, multiple of 4."""
    if size is not None:
        return resize(rgb, size)
    rgb = resize_shorter(rgb, shorter)
    h, w = rgb.shape[:2]
    return np.ascontiguousarray(rgb[: h - h % SIZE_MULTIPLE, : w - w % SIZE_MULTIPLE])


def synthetic_pair(size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A structured stand-in when no real images are given (edges, gradients, texture)."""
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    content = np.stack([xx / w, yy / h, 0.5 + 0.5 * np.sin(xx / 7.0) * np.cos(yy / 11.0)], -1)
    content[(xx // 32 + yy // 32) % 2 == 0] *= 0.6
    rng = np.random.default_rng(0)
    style = np.clip(rng.random((128, 128, 3), dtype=np.float32) * 0.3
                    + np.array([0.8, 0.4, 0.2], np.float32), 0, 1)
    return content.astype(np.float32), style.astype(np.float32)


def calibration_images(folder: Path, size: tuple[int, int] | None) -> list[np.ndarray]:
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in READ_EXTENSIONS)
    images = []
    for path in paths[:CALIBRATION_FRAMES]:
        try:  # one size for all: the calibrator stacks the activations of every image
            images.append(resize(read_rgb(path, 0), size or (FRAME_SIDE, FRAME_SIDE)))
        except UserError:
            continue
    if not images:
        raise UserError(f"no readable images in calibration folder {folder}")
    return images


def load_inputs(plan: ExportPlan) -> ExportInputs:
    opts = plan.opts
    style = read_rgb(opts.style, opts.style_size) if opts.style is not None else None
    content = verify_style = None
    if opts.verify_images:
        content = read_rgb(opts.verify_images[0], 0)
        verify_style = read_rgb(opts.verify_images[1], opts.style_size)
    if plan.variant.needs_style or verify_style is None:
        verify_style = style if style is not None else verify_style
    calibration = calibration_images(Path(opts.calibration), opts.size) if opts.calibration else None
    return ExportInputs(style, content, verify_style, calibration)


def verification_pair(plan: ExportPlan, inputs: ExportInputs, log: Callable[[str], None]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The content and style to compare ONNX and PyTorch on; a synthetic pair without --verify."""
    size = plan.opts.size
    content, style = inputs.verify_content, inputs.verify_style
    if content is None:
        content, synthetic_style = synthetic_pair(size or (128, 160))
        style = style if style is not None else synthetic_style
        log("verifying on a synthetic image pair (pass --verify CONTENT STYLE for real images)")
    if plan.target.static_size:  # static style input: the frame size
        style = resize(style, size)
    return fit(content, size), style


def scaled_verification_pair(plan: ExportPlan, inputs: ExportInputs) -> tuple[np.ndarray, np.ndarray]:
    """The pair for an internal-scale check: a frame whose sides are whole multiples of the factor
    (--verify CONTENT resized, else synthetic) and --style (else synthetic)."""
    mult = SIZE_MULTIPLE * plan.factor
    h, w = plan.opts.size or (mult * 9, mult * 12)
    content, style = synthetic_pair((h, w))
    if inputs.verify_content is not None:
        content = cv2.resize(inputs.verify_content, (w, h), interpolation=cv2.INTER_AREA)
    if inputs.style is not None:
        style = inputs.style
    if plan.target.static_size:
        style = cv2.resize(style, (w, h), interpolation=cv2.INTER_AREA)
    return content, style


def style_feeds(variant: Variant, style: np.ndarray, style_model: onnx.ModelProto | None
                ) -> dict[str, np.ndarray]:
    """The frame model's inputs besides the content, for ``variant``: the style image itself, the
    style encoder's tensors, or nothing (baked)."""
    available = {"style": style}
    if variant.style_encoder:
        session = cpu_session(style_model.SerializeToString())
        available.update(zip(STYLE_TENSORS, session.run(list(STYLE_TENSORS), {"style": style}), strict=True))
    return {name: available[name] for name in variant.extra_inputs}


def calibration_feeds(plan: ExportPlan, inputs: ExportInputs, style_model: onnx.ModelProto | None
                      ) -> list[dict[str, np.ndarray]]:
    """Inputs for int8 calibration: each calibration frame with the style the model will see."""
    style = inputs.style if inputs.style is not None else inputs.verify_style
    if style is None:
        style = synthetic_pair((MIN_SIZE, MIN_SIZE))[1]
    extra = style_feeds(plan.variant, to_tensor(style).numpy(), style_model)
    feeds = [{"content": to_tensor(img).numpy(), **extra} for img in inputs.calibration]
    if plan.opts.step_input:  # the frames spread over the steps: the ranges of every step count
        for i, feed in enumerate(feeds):
            feed[STEP_INPUT] = step_value(1 + i % plan.opts.steps)
    return feeds


def step_value(step: int) -> np.ndarray:
    """The step input's value for ``step``."""
    return np.array([step], dtype=np.int64)
