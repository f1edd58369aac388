"""The ``rlministyler web`` subcommand: build a browser site from an export, or serve one. Only
argparse at registration; the builder and the server are imported when the command runs."""

from __future__ import annotations

import argparse
import sys

from rlministyler.argtypes import parse_steps, port_number
from rlministyler.spec import STYLE_SIZE

WEB_EPILOG = """\
the site works from any static file server, offline: index.html, the app's JS and CSS, one
model per chosen step (an --all-steps model is pruned to each), a split model's style encoder,
the --style images and onnxruntime-web's runtime files: from --ort-dir or $RLMINISTYLER_ORT_WEB,
else a checkout's web/node_modules (`npm ci` in web/ when missing), else installed once with
`npm ci` into the user cache ($RLMINISTYLER_CACHE/ort-web or ~/.cache/rlministyler/ort-web).
Without Node.js, pass --ort-dir with the dist/ folder of the pinned onnxruntime-web npm package.
WebGPU is used where the browser has it and the model can run there, else WebAssembly (SIMD,
threads when the page is cross-origin isolated, as --serve makes it); ?backend=wasm forces
WebAssembly, ?step=K and ?source=camera choose the start, ?view=clean shows only the picture.
-o must be a new or empty folder, or one this command made (a .rlministyler-site marker); other
machines reaching --serve --host 0.0.0.0 over plain http get no camera, no WebGPU, one thread.

examples:
  rlministyler export --steps 3 --all-steps --variant split -o all3.onnx
  rlministyler web all3.onnx --style la_muse.jpg --style mondrian.jpg -o site/
  rlministyler web --serve site/ --port 8000          # then open http://localhost:8000/
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``web`` on the main parser's subcommands."""
    p = sub.add_parser(
        "web", help="build a static site that stylises a webcam, video or image in the browser",
        description="Build a static site that runs an exported model in the browser with "
                    "onnxruntime-web\n(WebGPU or WebAssembly), or serve one on localhost.",
        epilog=WEB_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", nargs="?", metavar="MODEL.onnx", help="an `rlministyler export` model")
    p.add_argument("--style", action="append", default=[], metavar="IMAGE",
                   help="a style image for the page's picker (repeat for several; users can upload more)")
    p.add_argument("--steps", type=parse_steps, metavar="LIST",
                   help="steps the site holds, e.g. 1,3,5 (default: every step of the model)")
    p.add_argument("--style-size", type=int, default=STYLE_SIZE, metavar="N",
                   help="scale styles' shorter side to N, in the builder and the page (default %(default)s, "
                        "as run)")
    p.add_argument("--ort-dir", metavar="DIR",
                   help="onnxruntime-web's dist/ folder (default: $RLMINISTYLER_ORT_WEB, web/node_modules "
                        "in a checkout, else the user cache)")
    p.add_argument("-o", "--output", metavar="SITE", help="folder to write the site into")
    p.add_argument("--serve", metavar="SITE", help="serve a built site on localhost instead of building")
    p.add_argument("--port", type=port_number, default=8000,
                   help="port for --serve (default 8000; 0: any free)")
    p.add_argument("--host", default="127.0.0.1", help="address for --serve (default 127.0.0.1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rlministyler.errors import UserError

    if args.serve:
        if args.model or args.output:
            raise UserError("--serve SITE serves a built site: give MODEL.onnx -o SITE or --serve SITE")
        from .serve import banner, make_server

        server = make_server(args.serve, args.port, args.host)
        for line in banner(server, args.host):
            print(line, file=sys.stderr if line.startswith("warning:") else sys.stdout, flush=True)
        try:
            server.serve_forever()
        finally:
            server.server_close()
        return 0
    if not args.model or not args.output:
        raise UserError("give MODEL.onnx and -o SITE/ to build a site, or --serve SITE/ to serve one")
    from .site import build_site

    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    report = build_site(args.model, args.output, styles=args.style, steps=args.steps, ort_dir=args.ort_dir,
                        style_size=args.style_size, log=say)
    steps = ",".join(map(str, report.steps))
    say(f"wrote {report.site}/: steps {steps}, {len(report.styles)} style(s), onnxruntime-web "
        f"{report.ort_version}")
    for note in report.notes:
        say(f"note: {note}")
    say(f"serve it: rlministyler web --serve {report.site}")
    return 0
