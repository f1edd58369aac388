"""Distillation: the step sequence of a teacher (the official weights, or any ``train`` run) taught
to a one-pass, step-conditioned student, so that every step costs one pass (``rlministyler distill``)."""
