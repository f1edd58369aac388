"""``check_model``: load, run the shared rules and one engine's rules, build the report; the CLI."""

from __future__ import annotations

import os
from collections import Counter

import onnx

from rlministyler.errors import UserError

from . import barracuda, fallback, sentis
from .common import check_ops, check_tensors, check_unsupported_attrs
from .graph import Model, load_model, walk
from .report import CheckReport, Findings, format_report
from .tables import DEFAULT_DOMAINS, ENGINES

DESCRIPTION = "Check any ONNX file against what Unity's importers accept."


def check_model(model: str | os.PathLike | onnx.ModelProto, engine: str = "sentis",
                urp: bool = False) -> CheckReport:
    """Check an ONNX model (a path or a loaded ``ModelProto``) against one Unity engine's importer.

    ``urp``: the model is meant for URP (scheduled into the render pipeline's command buffer), so a
    layer on Sentis' CPU fallback is a failure, not a warning. Raises ``UserError`` for a missing or
    unreadable file, an unknown engine, and ``urp`` with an engine other than sentis.
    """
    engine_key = str(engine).strip().lower()
    if engine_key not in ENGINES:
        raise UserError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if urp and engine_key != "sentis":
        raise UserError("--urp applies to the sentis engine (the sample's URP pass schedules Sentis workers)")
    if isinstance(model, onnx.ModelProto):
        proto, path = model, f"<ModelProto graph '{model.graph.name}'>"
    elif isinstance(model, (str, os.PathLike)):
        proto, path = load_model(model), os.fspath(model)
    else:
        raise TypeError(f"check_model takes a path or an onnx.ModelProto, not {type(model).__name__}")

    rules = sentis if engine_key == "sentis" else barracuda
    m = Model(proto)
    f = Findings()
    opset = rules.check_opset(m, f)
    inputs, outputs = check_tensors(m, engine_key, f)
    check_ops(m, engine_key, f)
    f.flush()
    check_unsupported_attrs(m, engine_key, f)
    rules.check(m, f)
    if engine_key == "sentis":
        fallback.check(m, f, urp)
    f.flush()
    other = sorted(f"{imp.domain} v{imp.version}" for imp in proto.opset_import
                   if imp.domain not in DEFAULT_DOMAINS)
    if other:
        f.notes.append(f"other opset imports declared: {', '.join(other)}")

    counts = Counter(node.op_type if node.domain in DEFAULT_DOMAINS else f"{node.domain}.{node.op_type}"
                     for node, _ in walk(proto.graph))
    histogram = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return CheckReport(path=path, engine=engine_key, opset=opset, ir_version=int(proto.ir_version),
                       inputs=inputs, outputs=outputs, op_histogram=histogram,
                       failures=f.failures, warnings=f.warnings, notes=f.notes,
                       importer_warnings=f.importer_warnings)


def run(args) -> int:
    """``rlministyler check-unity``: print the report; 0 when the model would import, 1 if not."""
    report = check_model(args.model, getattr(args, "engine", None) or "sentis", getattr(args, "urp", False))
    print(format_report(report))
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m rlministyler.export.unity_check MODEL.onnx [--engine ...]`` (usually: check-unity)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m rlministyler.export.unity_check",
                                     description=DESCRIPTION)
    parser.add_argument("model", metavar="MODEL.onnx")
    parser.add_argument("--engine", choices=ENGINES, default="sentis")
    parser.add_argument("--urp", action="store_true")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except UserError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2

