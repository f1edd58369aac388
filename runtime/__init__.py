"""Runtime: stylise images, video and a live camera with onnxruntime (issue #4).

Depends on onnxruntime, NumPy and OpenCV only; importing it never imports torch.
"""
