"""The Unity sample's frame upsampling (Frames Per Inference N > 1): a NumPy reference of the kernel in
``RLMiniStylerReprojection.compute``, run on a synthetic moving scene with known motion vectors.

``reproject`` below is the reference; the HLSL kernel follows it line by line, and both carry the same
``[ref N]`` tags in the same order (checked here). The scene: a textured background that pans one way
and a textured square that moves another, "stylised" by a known per-pixel function, so the right
answer at every frame is known and so is which pixels were hidden at the capture frame."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
KERNEL = ROOT / "unity_sample/Assets/RLMiniStyler/Runtime/Resources/RLMiniStylerReprojection.compute"

INVALID = 4.0  # a displacement that moves every uv off the screen: marks a broken chain
CAPTURED, COMPLETED, SOURCE_FLIPPED, RESET, DILATE, REVERSED_Z = 1, 2, 4, 8, 16, 32  # _Flags bits


def bilinear(tex: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """``Texture2D.SampleLevel`` with a bilinear clamp sampler: ``tex`` (H, W, C), ``uv`` (..., 2), texel
    centres at (i + 0.5) / size; u runs along the columns, v along the rows (as the kernel's id.xy)."""
    h, w = tex.shape[:2]
    undefined = np.isnan(uv).any(axis=-1)[..., None]  # the GPU's answer is undefined: model it as NaN
    uv = np.where(undefined, 0.0, uv)
    x = uv[..., 0] * w - 0.5
    y = uv[..., 1] * h - 0.5
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    xa, xb = np.clip(x0, 0, w - 1).astype(int), np.clip(x0 + 1, 0, w - 1).astype(int)
    ya, yb = np.clip(y0, 0, h - 1).astype(int), np.clip(y0 + 1, 0, h - 1).astype(int)
    top = tex[ya, xa] * (1 - fx) + tex[ya, xb] * fx
    bottom = tex[yb, xa] * (1 - fx) + tex[yb, xb] * fx
    return np.where(undefined, np.nan, top * (1 - fy) + bottom * fy)


def nearest(tex: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """``Texture2D.SampleLevel`` with a point clamp sampler: the texel that contains ``uv``, whatever the
    texture's size."""
    h, w = tex.shape[:2]
    x = np.clip(np.floor(uv[..., 0] * w), 0, w - 1).astype(int)
    y = np.clip(np.floor(uv[..., 1] * h), 0, h - 1).astype(int)
    return tex[y, x]


def nearest_depth_uv(depth: np.ndarray, uv: np.ndarray, reversed_z: bool) -> np.ndarray:
    """The centre of the depth texel nearest the camera among the 3x3 around uv (the centre one on ties;
    nearest: smallest depth, or largest with reversed z), as the kernel's NearestDepthUV."""
    h, w = depth.shape[:2]
    cx = np.clip(np.floor(uv[..., 0] * w), 0, w - 1).astype(int)
    cy = np.clip(np.floor(uv[..., 1] * h), 0, h - 1).astype(int)
    bx, by, best = cx, cy, depth[cy, cx]
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            x, y = np.clip(cx + dx, 0, w - 1), np.clip(cy + dy, 0, h - 1)
            d = depth[y, x]
            nearer = d > best if reversed_z else d < best
            bx, by, best = np.where(nearer, x, bx), np.where(nearer, y, by), np.where(nearer, d, best)
    return np.stack([(bx + 0.5) / w, (by + 0.5) / h], axis=-1)


def on_screen(uv: np.ndarray) -> np.ndarray:
    return np.all((uv >= 0.0) & (uv <= 1.0), axis=-1)


def reproject(source, motion, previous_displacement, stylised, shown_capture, current_small, flags,
              threshold, depth=None):
    """One frame of the kernel. ``motion`` (and ``depth``, read with DILATE) may have another size than
    the frame. Returns (output rgb, displacement rgba, valid mask)."""
    h, w = source.shape[:2]
    # [ref 1] this pixel's uv and where its surface was one frame ago
    ys, xs = np.mgrid[0:h, 0:w]
    uv = np.stack([(xs + 0.5) / w, (ys + 0.5) / h], axis=-1)
    motion_uv = nearest_depth_uv(depth, uv, bool(flags & REVERSED_Z)) if flags & DILATE else uv
    mv = nearest(motion, motion_uv)[..., :2]
    previous_uv = uv - mv

    # [ref 2] extend both chains by one frame; a chain that leaves the screen is broken
    inside = on_screen(previous_uv)[..., None]
    previous = np.zeros((h, w, 4)) if flags & RESET else bilinear(previous_displacement, previous_uv)
    chain_shown = mv + previous[..., 0:2]
    chain_in_flight = mv + previous[..., 2:4]
    chain_shown = np.where(inside, chain_shown, INVALID)
    chain_in_flight = np.where(inside, chain_in_flight, INVALID)
    # [ref 3] a capture restarts the in-flight chain; a completed inference becomes the shown one
    in_flight = np.zeros_like(chain_in_flight) if flags & CAPTURED else chain_in_flight
    shown = in_flight if flags & COMPLETED else chain_shown
    displacement = np.concatenate([shown, in_flight], axis=-1)

    # [ref 4] where the shown result's capture saw this surface
    source_uv = uv - shown
    valid = on_screen(source_uv)
    warped = bilinear(stylised, source_uv)[..., :3]
    seen = bilinear(shown_capture, source_uv)[..., :3]
    now = bilinear(current_small, uv)[..., :3]

    # [ref 5] disocclusion: the capture saw another colour there than the current frame shows
    difference = np.abs(now - seen)
    valid &= difference.max(axis=-1) <= threshold

    # [ref 6] fallback: the current frame plus the last result's stylisation offset at this position
    offset = bilinear(stylised, uv)[..., :3] - bilinear(shown_capture, uv)[..., :3]
    source_pixel = source[::-1] if flags & SOURCE_FLIPPED else source
    fallback = np.maximum(source_pixel[..., :3] + offset, 0.0)

    # [ref 7] compose
    output = np.where(valid[..., None], warped, fallback)
    return output, displacement, valid


# --------------------------------------------------------------------------------------------------
# The synthetic scene


W, H = 96, 64
SQUARE = 16          # side of the moving square, pixels
THRESHOLD = 0.12


def background(x, y):
    return np.stack([0.35 + 0.15 * np.sin(2 * np.pi * x / 23), 0.40 + 0.15 * np.cos(2 * np.pi * y / 17),
                     0.30 + 0.10 * np.sin(2 * np.pi * (x + y) / 29)], axis=-1)


def square_texture(x, y):
    return np.stack([0.90 + 0.05 * np.sin(2 * np.pi * x / 7), 0.15 + 0.05 * np.cos(2 * np.pi * y / 5),
                     np.full_like(x, 0.10)], axis=-1)


def stylise(image):
    """The stand-in network: any per-pixel function makes the right answer known everywhere."""
    return image[..., ::-1] * 0.8 + 0.1


class Scene:
    """Background panning by ``pan`` px a frame (content moves left), square moving by ``move`` px a frame."""

    def __init__(self, pan: float, move: tuple[float, float], start=(20.0, 24.0)):
        self.pan, self.move, self.start = pan, np.array(move), np.array(start)

    def square_at(self, t):
        return self.start + self.move * t

    def pixel_centres(self):
        ys, xs = np.mgrid[0:H, 0:W]
        return xs + 0.5, ys + 0.5

    def covered(self, t, x, y):
        sx, sy = self.square_at(t)
        return (x >= sx) & (x < sx + SQUARE) & (y >= sy) & (y < sy + SQUARE)

    def frame(self, t):
        x, y = self.pixel_centres()
        sx, sy = self.square_at(t)
        image = background(x + self.pan * t, y)
        return np.where(self.covered(t, x, y)[..., None], square_texture(x - sx, y - sy), image)

    def depth(self, t):
        """Depth as a conventional z buffer (0 near): the square in front of the background."""
        x, y = self.pixel_centres()
        return np.where(self.covered(t, x, y), 0.3, 0.7)

    def motion(self, t):
        """Motion vectors as Unity writes them: uv offset from the previous frame (uv_now - uv_before)."""
        x, y = self.pixel_centres()
        mv = np.zeros((H, W, 2))
        mv[..., 0] = -self.pan / W
        square = self.covered(t, x, y)
        mv[square] = (self.move[0] / W, self.move[1] / H)
        return mv

    def visible_at(self, t, c, margin=2.0):
        """Pixels of frame t whose surface was visible at frame c, at least `margin` px from any square edge
        in every frame from c to t (where the two motions meet, even the right answer is ambiguous)."""
        x, y = self.pixel_centres()
        on_square = self.covered(t, x, y)
        k = t - c
        bx, by = x + self.pan * k, y                          # a background point's position at frame c
        qx, qy = x - self.move[0] * k, y - self.move[1] * k    # a square point's position at frame c
        px = np.where(on_square, qx, bx)
        py = np.where(on_square, qy, by)
        inside = (px >= 0) & (px <= W) & (py >= 0) & (py <= H)
        hidden = ~on_square & self.covered(c, px, py)
        near_edge = np.zeros_like(on_square)
        for f in range(c, t + 1):
            sx, sy = self.square_at(f)
            dx, dy = x - sx, y - sy
            grown = (dx >= -margin) & (dx < SQUARE + margin) & (dy >= -margin) & (dy < SQUARE + margin)
            shrunk = (dx >= margin) & (dx < SQUARE - margin) & (dy >= margin) & (dy < SQUARE - margin)
            near_edge |= grown & ~shrunk
        inside_margin = (x > margin) & (x < W - margin) & (px > margin) & (px < W - margin)
        return inside & ~hidden & ~near_edge & inside_margin, hidden & ~near_edge


def run(scene: Scene, n: int, frames: int, flip_motion: bool = False, flip_source: bool = False,
        motion_step: int = 1, initial: np.ndarray | None = None, reset: bool = True, dilate: bool = False,
        reversed_z: bool = False):
    """Drives the reference the way StylerFrameCore drives the kernel (capture every n frames, result
    n - 1 frames later; RESET on the first frame, as MotionReprojection after making its textures);
    yields (t, capture frame of the shown result, frame, output, valid, displacement).
    ``flip_source``: the source comes upside down with the SOURCE_FLIPPED flag (built-in MSAA);
    ``motion_step``: motion vectors (and depth) at 1/motion_step of the frame size; ``initial``: what the
    new displacement texture holds (undefined: zeros unless given); ``dilate``: motion vectors taken at
    the nearest depth (``reversed_z``: the depth written 1 - z, as Direct3D and Metal do)."""
    displacement = np.zeros((H, W, 4)) if initial is None else initial
    stylised = np.zeros((H, W, 3))
    shown_capture = np.zeros((H, W, 3))
    in_flight = None
    shown_at = None
    for t in range(frames):
        frame = scene.frame(t)
        motion = -scene.motion(t) if flip_motion else scene.motion(t)
        motion = motion[motion_step // 2::motion_step, motion_step // 2::motion_step]
        depth = scene.depth(t)[motion_step // 2::motion_step, motion_step // 2::motion_step]
        depth = 1.0 - depth if reversed_z else depth
        flags = (RESET if reset and t == 0 else 0) | (SOURCE_FLIPPED if flip_source else 0)
        flags |= (DILATE if dilate else 0) | (REVERSED_Z if reversed_z else 0)
        if t % n == 0:
            flags |= CAPTURED
            in_flight = (t, frame.copy())
        if t % n == n - 1:
            flags |= COMPLETED
            shown_at, shown_capture = in_flight
            stylised = stylise(shown_capture)
        source = frame[::-1] if flip_source else frame
        output, displacement, valid = reproject(source, motion, displacement, stylised, shown_capture, frame,
                                                flags, THRESHOLD, depth)
        if shown_at is not None:
            yield t, shown_at, frame, output, valid, displacement


# --------------------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("n", [2, 4])
def test_warped_result_matches_the_stylised_current_frame_where_it_was_visible(n):
    scene = Scene(pan=1.0, move=(3.0, 1.0))
    checked = 0
    for t, c, frame, output, valid, _ in run(scene, n, 3 * n + 2):
        visible, _ = scene.visible_at(t, c)
        assert visible.sum() > 0.5 * H * W
        assert valid[visible].all(), f"frame {t}: {np.count_nonzero(~valid[visible])} visible pixels rejected"
        # whole-pixel motions land on texel centres, so the warp is exact there
        np.testing.assert_allclose(output[visible], stylise(frame)[visible], atol=1e-6)
        checked += 1
    assert checked == 2 * n + 3


def test_disoccluded_pixels_fall_back_to_the_current_frame():
    scene = Scene(pan=1.0, move=(3.0, 1.0))
    uncovered_total = 0
    for t, c, _frame, _output, valid, _ in run(scene, 4, 14):
        _, uncovered = scene.visible_at(t, c)
        if t > c:
            assert uncovered.any(), f"frame {t}: the square should have uncovered background"
        uncovered_total += uncovered.sum()
        assert not valid[uncovered].any(), f"frame {t}: uncovered background shown from the stale result"
    assert uncovered_total > 100


def test_accepted_pixels_are_within_the_colour_threshold_of_the_answer():
    """Wherever the kernel keeps the warped result, it differs from the right answer by at most the
    stand-in network's gain times the disocclusion threshold (the colour test's guarantee)."""
    scene = Scene(pan=1.0, move=(3.0, 1.0))
    for _, _, frame, output, valid, _ in run(scene, 4, 12):
        error = np.abs(output - stylise(frame)).max(axis=-1)
        assert error[valid].max() <= 0.8 * THRESHOLD + 1e-6


def test_subpixel_motion_stays_close():
    scene = Scene(pan=0.5, move=(1.5, 0.5))
    for t, c, frame, output, valid, _ in run(scene, 4, 12):
        visible, _ = scene.visible_at(t, c, margin=3.0)
        assert valid[visible].mean() > 0.99
        error = np.abs(output - stylise(frame)).max(axis=-1)
        assert np.percentile(error[visible & valid], 99) < 0.03, f"frame {t}"


def test_motion_with_the_wrong_sign_is_caught():
    """The test can fail: motion vectors read as previous minus current (the other convention) warp the
    result the wrong way, which shows as rejected pixels and wrong colours."""
    scene = Scene(pan=1.0, move=(3.0, 1.0))
    worst = 0.0
    for t, c, frame, output, valid, _ in run(scene, 4, 12, flip_motion=True):
        if t - c < 2:
            continue
        visible, _ = scene.visible_at(t, c)
        error = np.abs(output - stylise(frame)).max(axis=-1)[visible]
        worst = max(worst, float((error > 1e-3).mean()), float((~valid[visible]).mean()))
    assert worst > 0.2


def test_upside_down_source_is_read_the_right_way_round():
    """Built-in pipeline under MSAA on Direct3D/Metal: OnRenderImage's source comes upside down while
    every blitted texture is upright. With SOURCE_FLIPPED the fallback pixels match an upright source;
    read without the flag (the kernel before) they come out mirrored."""
    scene = Scene(pan=1.0, move=(3.0, 1.0))
    upright = list(run(scene, 4, 12))
    fallbacks = 0
    for (t, _, _, expected, valid, _), (_, _, _, output, _, _) in zip(
            upright, run(scene, 4, 12, flip_source=True), strict=True):
        np.testing.assert_allclose(output, expected, atol=1e-12, err_msg=f"frame {t}")
        fallbacks += int((~valid).sum())
    assert fallbacks > 100  # the comparison covers pixels that read the source

    frame = scene.frame(0)
    args = (scene.motion(0), np.zeros((H, W, 4)), stylise(frame), frame, frame * 0.5)
    unflagged, _, valid = reproject(frame[::-1], *args, 0, THRESHOLD)
    flagged, _, _ = reproject(frame[::-1], *args, SOURCE_FLIPPED, THRESHOLD)
    upright_out, _, _ = reproject(frame, *args, 0, THRESHOLD)
    assert (~valid).all()  # this capture matches nothing: every pixel falls back
    np.testing.assert_allclose(flagged, upright_out)
    assert np.abs(unflagged - upright_out).max() > 0.1


@pytest.mark.parametrize("step", [2, 3])
def test_motion_vectors_at_another_resolution_are_sampled_by_uv(step):
    """Render scale, STP or dynamic resolution: motion vectors at 1/step of the colour's size. Sampled by
    uv (nearest texel) the warp stays exact away from the square's edges."""
    scene = Scene(pan=1.0, move=(3.0, 1.0))
    checked = 0
    for t, c, frame, output, valid, _ in run(scene, 4, 12, motion_step=step):
        visible, _ = scene.visible_at(t, c, margin=2.0 + 2 * step)
        assert valid[visible].mean() > 0.99, f"frame {t}"
        error = np.abs(output - stylise(frame)).max(axis=-1)
        assert np.percentile(error[visible & valid], 99) < 1e-6, f"frame {t}"
        checked += 1
    assert checked == 9


@pytest.mark.parametrize("step", [2, 3])
def test_motion_dilated_to_the_nearest_depth_keeps_a_moving_objects_edges(step):
    """Motion vectors at a lower resolution give the square's edge pixels the background's motion; taken
    from the nearest depth in 3x3 texels, every visible square pixel moves with the square. The band of
    background around it then falls back (its warp is rejected), never shows a smeared square, and
    reversed z gives the same picture."""
    def square_pixels(**kwargs):
        scene = Scene(pan=1.0, move=(3.0, 1.0))
        exact = total = 0
        outputs = []
        for t, c, frame, output, valid, _ in run(scene, 4, 12, motion_step=step, **kwargs):
            x, y = scene.pixel_centres()
            visible, _ = scene.visible_at(t, c, margin=0.0)
            square = scene.covered(t, x, y) & visible
            error = np.abs(output - stylise(frame)).max(axis=-1)
            exact += int((square & (error < 1e-6)).sum())
            total += int(square.sum())
            assert error[valid].max() <= 0.8 * THRESHOLD + 1e-6, f"frame {t}: a wrong warp was accepted"
            outputs.append(output)
        return exact, total, outputs

    exact, total, _ = square_pixels()
    assert exact < total - 100  # undilated, the edges go wrong
    exact, total, dilated = square_pixels(dilate=True)
    assert exact == total
    _, _, reversed_z = square_pixels(dilate=True, reversed_z=True)
    for a, b in zip(dilated, reversed_z, strict=True):
        np.testing.assert_array_equal(a, b)


def test_new_displacement_textures_are_read_as_zero():
    """A render texture's first contents are undefined (NaN possible). RESET on the first dispatch reads
    them as zero, so the run is the same as from cleared textures; without it the NaN stays in the chains."""
    scene = Scene(pan=1.0, move=(3.0, 1.0))
    garbage = np.full((H, W, 4), np.nan)
    for (t, _, _, expected, _, shown), (_, _, _, output, _, displacement) in zip(
            run(scene, 4, 9), run(scene, 4, 9, initial=garbage), strict=True):
        assert np.isfinite(displacement).all(), f"frame {t}"
        np.testing.assert_array_equal(output, expected)
        np.testing.assert_array_equal(displacement, shown)
    # the first dispatch itself: with RESET every chain is finite, without it the garbage is carried on
    frame, blank = scene.frame(0), np.zeros((H, W, 3))
    args = (scene.motion(0), garbage, blank, blank, frame)
    _, displacement, _ = reproject(frame, *args, CAPTURED | RESET, THRESHOLD)
    assert np.isfinite(displacement).all()
    _, displacement, _ = reproject(frame, *args, CAPTURED, THRESHOLD)
    assert np.isnan(displacement[..., :2]).mean() > 0.9  # all but the chains that left the screen


def test_hlsl_follows_the_reference_step_by_step():
    hlsl = KERNEL.read_text(encoding="utf-8")
    reference = inspect.getsource(reproject)
    tags = re.compile(r"\[ref (\d+)\]")
    assert tags.findall(hlsl) == tags.findall(reference) == [str(i) for i in range(1, 8)]
    assert "tests/test_unity_reprojection.py" in hlsl
    assert re.search(rf"#define INVALID {INVALID}\b", hlsl)
    for bit in (CAPTURED, COMPLETED, SOURCE_FLIPPED, RESET, DILATE, REVERSED_Z):
        assert f"(_Flags & {bit})" in hlsl
    binding = (KERNEL.parents[1] / "MotionReprojection.cs").read_text(encoding="utf-8")
    for name, bit in (("Captured", CAPTURED), ("Completed", COMPLETED), ("SourceFlipped", SOURCE_FLIPPED),
                      ("Reset", RESET), ("DilateToNearestDepth", DILATE), ("ReversedZ", REVERSED_Z)):
        assert re.search(rf"public const int {name} = {bit};", binding), name
    # the HLSL computes each named quantity of the reference, in the same order
    names = ["motionUV", "previousUV", "chainShown", "chainInFlight", "inFlight", "shown", "sourceUV",
             "warped", "seen", "now", "difference", "offset", "sourcePixel", "fallback"]
    snake = [re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), n.replace("UV", "Uv")) for n in names]
    assert "_MotionVectors.SampleLevel(s_point_clamp_sampler, motionUV, 0)" in hlsl  # by uv, as `nearest`
    for text, spelled in ((hlsl, names), (reference, snake)):
        positions = [re.search(rf"(?<!\w){name} =", text).start() for name in spelled]
        assert positions == sorted(positions), spelled


def test_csharp_binds_what_the_kernel_declares():
    """MotionReprojection.cs sets every resource and constant the kernel declares, by the same names, and
    loads the kernel by its file name from a Resources folder."""
    hlsl = KERNEL.read_text(encoding="utf-8")
    binding = (KERNEL.parents[1] / "MotionReprojection.cs").read_text(encoding="utf-8")
    declared = set(re.findall(r"^(?:RW)?Texture2D<float4> (_\w+);", hlsl, re.M))
    declared |= set(re.findall(r"^(?:float4|int) (_\w+);", hlsl, re.M))
    bound = set(re.findall(r'Shader\.PropertyToID\("(_\w+)"\)', binding))
    assert len(declared) == 12 and declared == bound
    kernel = re.search(r"^#pragma kernel (\w+)", hlsl, re.M).group(1)
    assert f'FindKernel("{kernel}")' in binding
    assert KERNEL.parent.name == "Resources"
    assert f'ShaderResource = "{KERNEL.stem}"' in binding
    assert re.search(r"numthreads\(8, 8, 1\)", hlsl) and "+ 7) / 8" in binding


@pytest.mark.skipif(shutil.which("glslangValidator") is None,
                    reason="glslangValidator (Debian package glslang-tools) is not installed")
def test_kernel_compiles_as_hlsl(tmp_path):
    """glslang's HLSL front end (to SPIR-V) accepts the kernel; Unity's own compiler is not run here.
    A copy with a typo must fail, so the check is real."""
    def compiles(source: str) -> subprocess.CompletedProcess:
        path = tmp_path / "kernel.hlsl"
        path.write_text(source, encoding="utf-8")
        command = ["glslangValidator", "-D", "-S", "comp", "-e", "Reproject", "-V", str(path),
                   "-o", str(tmp_path / "kernel.spv")]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    source = KERNEL.read_text(encoding="utf-8")
    result = compiles(source)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = source.replace("float2 previousUV = uv - mv;", "float2 previousUV = uv - mvv;")
    assert broken != source and compiles(broken).returncode != 0
