"""Sentis / Inference Engine rules: opset range, Resize modes, and what its 2.4 importer warns about."""

from __future__ import annotations

from .common import check_importer_attrs
from .graph import Model, attr_value, has_attr, walk
from .report import Findings
from .tables import (
    DEFAULT_DOMAINS,
    IMPORTER_NAMES,
    SENTIS_IMPORTER_ATTRS,
    SENTIS_OPSET_MAX,
    SENTIS_OPSET_MISSING,
    SENTIS_OPSET_SAFE,
)


def check_opset(m: Model, f: Findings) -> int:
    lo, hi = SENTIS_OPSET_SAFE
    if m.opset is None:
        f.notes.append("no default-domain opset import: Sentis reads the model as opset "
                       f"{SENTIS_OPSET_MISSING}")
        return SENTIS_OPSET_MISSING
    opset = m.opset
    if opset < lo:
        f.failures.append(f"opset {opset} is below {lo}, the lowest opset Sentis imports; "
                          "re-export at opset 15")
    elif opset > SENTIS_OPSET_MAX:
        f.failures.append(f"opset {opset} is above {SENTIS_OPSET_MAX}, the highest opset any Sentis / "
                          "Inference Engine version supports; re-export at opset 15")
    elif opset > hi:
        f.warnings.append(f"opset {opset} imports only with Sentis / Inference Engine 2.6+ (opsets up to "
                          f"{SENTIS_OPSET_MAX}); versions before 2.6 document opsets {lo}-{hi} only and may "
                          "import it with unpredictable results; export at opset 15 for every version")
    return opset


def check_resize(m: Model, f: Findings) -> None:
    for node, label in walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS or node.op_type not in ("Resize", "Upsample"):
            continue
        op = node.op_type
        mode = str(attr_value(node, "mode", "nearest")).lower()
        allowed = ("nearest", "linear") if op == "Resize" else ("nearest", "linear", "bilinear")
        if mode not in allowed:
            extra = " (with cubic_coeff_a)" if has_attr(node, "cubic_coeff_a") else ""
            f.group("fail", f"{op}|mode '{mode}'{extra}: Sentis resizes with nearest or linear only "
                    "(cubic parameters are not supported)", label)
        ctm = str(attr_value(node, "coordinate_transformation_mode", "half_pixel"))
        if ctm == "half_pixel_symmetric":
            f.group("fail", f"{op}|coordinate_transformation_mode 'half_pixel_symmetric' is not supported "
                    "by Sentis (use half_pixel / pytorch_half_pixel / align_corners / asymmetric)", label)
        elif ctm == "tf_crop_and_resize":
            f.group("fail", f"{op}|coordinate_transformation_mode 'tf_crop_and_resize' needs the roi input, "
                    "which Sentis does not support", label)
        if int(attr_value(node, "exclude_outside", 0) or 0) != 0:
            f.group("fail", f"{op}|exclude_outside=1 is not supported by Sentis", label)
        if int(attr_value(node, "antialias", 0) or 0) != 0:
            f.group("warn", f"{op}|antialias=1 is not documented for Sentis; results may differ", label)


def check_importer_warnings(m: Model, f: Findings) -> None:
    check_importer_attrs(m, f, SENTIS_IMPORTER_ATTRS, IMPORTER_NAMES["sentis"])


def check(m: Model, f: Findings) -> None:
    """Every Sentis-only rule except the opset (run first by ``check_model``)."""
    check_resize(m, f)
    check_importer_warnings(m, f)
