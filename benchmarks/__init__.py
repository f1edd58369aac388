"""Benchmarks: speed, quality per step and flicker, against peers, with plots."""
