"""Contact sheets: labelled tiles (content, style, each step) on one image."""

from __future__ import annotations

import cv2
import numpy as np

from .images import to_uint8

LABEL_HEIGHT = 28
GAP = 6


def contact_sheet(tiles: list[tuple[str, np.ndarray]], tile_height: int = 256,
                  per_row: int = 6) -> np.ndarray:
    """Lay out float RGB images, each scaled to ``tile_height`` and labelled underneath.

    Returns a uint8 RGB image; rows hold at most ``per_row`` tiles.
    """
    cells = []
    for label, rgb in tiles:
        h, w = rgb.shape[:2]
        width = max(1, round(w * tile_height / h))
        interp = cv2.INTER_AREA if tile_height < h else cv2.INTER_LINEAR
        img = to_uint8(cv2.resize(np.ascontiguousarray(rgb), (width, tile_height), interpolation=interp))
        cell = np.full((tile_height + LABEL_HEIGHT, width, 3), 255, np.uint8)
        cell[:tile_height] = img
        scale = 0.6
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        org = (max(2, (width - tw) // 2), tile_height + (LABEL_HEIGHT + th) // 2)
        cv2.putText(cell, label, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 20), 1, cv2.LINE_AA)
        cells.append(cell)
    rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
    width = max(sum(c.shape[1] for c in row) + GAP * (len(row) + 1) for row in rows)
    height = len(rows) * (tile_height + LABEL_HEIGHT + GAP) + GAP
    sheet = np.full((height, width, 3), 255, np.uint8)
    y = GAP
    for row in rows:
        x = GAP
        for cell in row:
            sheet[y:y + cell.shape[0], x:x + cell.shape[1]] = cell
            x += cell.shape[1] + GAP
        y += tile_height + LABEL_HEIGHT + GAP
    return sheet
