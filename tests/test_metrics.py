import math

import numpy as np

from rlministyler.metrics import PSNR_CAP, psnr


def test_psnr_in_db_for_both_peaks_and_the_cap():
    a = np.zeros((4, 4, 3), np.float32)
    assert math.isclose(psnr(a, a + 0.1), 20.0, rel_tol=1e-6)  # MSE 0.01 on a 0..1 scale
    assert math.isclose(psnr(a.astype(np.uint8), np.full((4, 4, 3), 255, np.uint8), peak=255.0), 0.0,
                        abs_tol=1e-9)  # no overflow on uint8
    assert psnr(a, a) == math.inf and psnr(a, a, cap=PSNR_CAP) == PSNR_CAP
