"""Export: actor + builder unrolled for a fixed number of steps, to ONNX (issue #3).

Imports the PyTorch model from ``training``; produces .onnx files plus a JSON sidecar that
``runtime`` and ``unity_sample`` read.
"""
