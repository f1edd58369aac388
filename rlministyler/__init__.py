"""rlministyler: RLMiniStyler arbitrary style transfer, from PyTorch to ONNX, apps and Unity."""

__version__ = "0.1.0"
