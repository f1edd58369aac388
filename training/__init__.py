"""Training side of rlministyler: the PyTorch model, its checkpoints and the sequence API.

Imports stay lazy here so that ``rlministyler weights`` does not pay for torch.
"""
