"""What ``check-unity`` found, kept by kind, and its printed form.

Four kinds, never mixed:

- ``failures``: the model would not import, or would import with wrong results;
- ``importer_warnings``: lines Unity's ONNX importer itself logs as warnings while importing (an
  attribute it ignores, a mode it replaces); the model imports, but the import is not clean;
- ``warnings``: the checker's own advice (version limits, CPU fallbacks, output that may differ);
- ``notes``: facts worth knowing (dynamic dimensions, half-precision weights, ...).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .graph import fmt_dims, short_list
from .tables import ENGINE_NAMES


@dataclass
class CheckReport:
    """What ``check_model`` found: the model's interface and ops, and each problem by kind."""

    path: str
    engine: str
    opset: int
    ir_version: int
    inputs: list[tuple[str, list[int | str]]]
    outputs: list[tuple[str, list[int | str]]]
    op_histogram: dict[str, int]
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    importer_warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing would stop the import (warnings and importer warnings allowed)."""
        return not self.failures

    @property
    def clean(self) -> bool:
        """True when the import would succeed and Unity's importer would log no warning."""
        return not self.failures and not self.importer_warnings


# severity keys used by the rules -> CheckReport list
SEVERITIES = ("fail", "importer", "warn", "note")


class Findings:
    """Collects the rules' findings; one message covers every node with the same problem."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.importer_warnings: list[str] = []
        self.warnings: list[str] = []
        self.notes: list[str] = []
        # (severity, key) -> node labels
        self._grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._order: list[tuple[str, str]] = []

    def group(self, severity: str, message: str, label: str) -> None:
        """Record ``message`` ("Op|why") for the node ``label``; severity is one of SEVERITIES."""
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        key = (severity, message)
        if key not in self._grouped:
            self._order.append(key)
        self._grouped[key].append(label)

    def flush(self) -> None:
        sinks = {"fail": self.failures, "importer": self.importer_warnings, "warn": self.warnings,
                 "note": self.notes}
        for severity, message in self._order:
            labels = self._grouped[(severity, message)]
            op, _, why = message.partition("|")
            count = f" x{len(labels)}" if len(labels) > 1 else ""
            sinks[severity].append(f"{op}{count} ({short_list(labels)}): {why}")
        self._grouped.clear()
        self._order.clear()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def format_report(report: CheckReport) -> str:
    """A readable multi-line report: verdict, opset, interface, op histogram, then one block per kind:
    FAIL lines, then IMPORTER WARN lines (what Unity's importer logs), then WARN and NOTE lines."""
    verdict = "OK" if report.ok else "FAIL"
    lines = [f"{verdict}: {report.path} for {ENGINE_NAMES[report.engine]} "
             f"({_plural(len(report.failures), 'failure')}, "
             f"{_plural(len(report.importer_warnings), 'importer warning')}, "
             f"{_plural(len(report.warnings), 'warning')})",
             f"  opset {report.opset}, IR version {report.ir_version}, "
             f"{_plural(sum(report.op_histogram.values()), 'node')}"]
    for kind, values in (("input ", report.inputs), ("output", report.outputs)):
        for name, dims in values:
            lines.append(f"  {kind} {name} {fmt_dims(dims)}")
    if report.op_histogram:
        ops = ", ".join(f"{op} x{n}" for op, n in report.op_histogram.items())
        lines.append(f"  ops: {ops}")
    if report.failures:
        lines.append("failures (the import fails or its results are wrong):")
        lines += [f"FAIL  {x}" for x in report.failures]
    if report.importer_warnings:
        lines.append("importer warnings (Unity's importer logs these; the model still imports):")
        lines += [f"IMPORTER WARN  {x}" for x in report.importer_warnings]
    if report.warnings:
        lines.append("warnings (check-unity's advice):")
        lines += [f"WARN  {x}" for x in report.warnings]
    lines += [f"NOTE  {x}" for x in report.notes]
    return "\n".join(lines)
