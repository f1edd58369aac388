"""``rlministyler web``: the browser page (``app/``), the site builder that packs it with an exported
model and onnxruntime-web (:mod:`.site`, :mod:`.ort_web`), and a local server for the site
(:mod:`.serve`). The subcommand's parser is :mod:`.cli`. This package may use the torch-free
runtime; the runtime never imports it."""
