"""Check any ONNX file against what Unity's importers accept: ``rlministyler check-unity``.

Two engines:

- ``sentis``: Unity Sentis / Inference Engine (``com.unity.sentis`` 2.x, ``com.unity.ai.inference``
  2.2 and later, shown as "Sentis" again from 2.4).
- ``barracuda``: Unity Barracuda 3.0.1, the older engine.

The rules come from Unity's package documentation (supported-operator tables, supported models,
export advice) and from the packages' ONNX importer sources where the docs are silent; each table
names its source. Only ``onnx`` and the standard library are used (no torch), so the check runs
anywhere the CLI does.

Modules: ``tables`` (operator and attribute tables), ``graph`` (loading and walking the model),
``common`` (rules for both engines), ``sentis`` and ``barracuda`` (each engine's rules), ``fallback``
(Sentis' CPU-fallback layers: a warning, a failure for a model meant for URP), ``report``
(``CheckReport``: failures, importer warnings, warnings and notes kept apart; ``format_report``),
``check`` (``check_model`` and the CLI), ``fixups`` (``drop_ignored_attributes``, used by the export).
"""

from __future__ import annotations

from .check import DESCRIPTION, check_model, main, run
from .fixups import drop_ignored_attributes
from .report import CheckReport, format_report
from .tables import (
    BARRACUDA_IMPORTER_ATTRS,
    BARRACUDA_OPS,
    ENGINE_NAMES,
    ENGINES,
    IMPORTER_ATTRS,
    NOT_SUPPORTED_EITHER,
    SENTIS_IMPORTER_ATTRS,
    SENTIS_OPS,
    ImporterAttr,
)

__all__ = [
    "BARRACUDA_IMPORTER_ATTRS",
    "BARRACUDA_OPS",
    "DESCRIPTION",
    "ENGINES",
    "ENGINE_NAMES",
    "IMPORTER_ATTRS",
    "NOT_SUPPORTED_EITHER",
    "SENTIS_IMPORTER_ATTRS",
    "SENTIS_OPS",
    "CheckReport",
    "ImporterAttr",
    "check_model",
    "drop_ignored_attributes",
    "format_report",
    "main",
    "run",
]
