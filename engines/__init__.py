"""Engines that plug into the runtime from outside it (``runtime`` never imports torch): each is
registered by name in :mod:`rlministyler.runtime.engine` as a ``module:attribute`` string and
imported only when ``run --engine NAME`` or ``Stylizer(..., engine=NAME)`` chooses it."""
