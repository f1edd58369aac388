"""``python -m rlministyler.export.unity_check MODEL.onnx [--engine sentis|barracuda]``."""

from .check import main

raise SystemExit(main())
