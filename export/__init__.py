"""Export: actor + builder unrolled for a fixed number of steps, to ONNX.

Imports the PyTorch model from ``training``; produces .onnx files plus a JSON sidecar that
``runtime`` and ``unity_sample`` read. ``exporter.export_model`` runs the stages: ``plan`` (every
check), ``inputs``, ``rewrites`` and ``trace`` (of the ``unrolled`` graphs, ``internal_scale``
around them), ``precision``, ``importer`` and ``verification``, ``describe`` (metadata, files).
"""
