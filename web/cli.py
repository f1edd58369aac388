"""The ``rlministyler web`` subcommand: build a browser site from an export, or serve one."""

from __future__ import annotations

import argparse
import sys

WEB_EPILOG = """\
the site works from any static file server, offline: index.html, the app's JS and CSS, one
model per chosen step (an --all-steps model is pruned to each), a split model's style encoder,
the --style images and onnxruntime-web's runtime files (copied from web/node_modules, installed
with `npm ci` in web/ when missing; without Node.js pass --ort-dir with the dist/ folder of the
pinned onnxruntime-web npm package). WebGPU is used where the browser has it, else WebAssembly
(SIMD, threads when the page is cross-origin isolated, as --serve makes it); ?backend=wasm
forces WebAssembly, ?step=K and ?source=camera choose the start.

examples:
  rlministyler export --steps 3 --all-steps --variant split -o all3.onnx
  rlministyler web all3.onnx --style la_muse.jpg --style mondrian.jpg -o site/
  rlministyler web --serve site/ --port 8000          # then open http://localhost:8000/
"""


def add_parser(sub: argparse._SubParsersAction, steps_type) -> None:
    """Register ``web`` on the main parser's subcommands."""
    p = sub.add_parser(
        "web", help="build a static site that stylises a webcam, video or image in the browser",
        description="Build a static site that runs an exported model in the browser with "
                    "onnxruntime-web\n(WebGPU or WebAssembly), or serve one on localhost.",
        epilog=WEB_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", nargs="?", metavar="MODEL.onnx", help="an `rlministyler export` model")
    p.add_argument("--style", action="append", default=[], metavar="IMAGE",
                   help="a style image for the page's picker (repeat for several; users can upload more)")
    p.add_argument("--steps", type=steps_type, metavar="LIST",
                   help="steps the site holds, e.g. 1,3,5 (default: every step of the model)")
    p.add_argument("--style-size", type=int, default=256, metavar="N",
                   help="scale styles' shorter side to N, in the builder and the page (default 256, as run)")
    p.add_argument("--ort-dir", metavar="DIR",
                   help="onnxruntime-web's dist/ folder (default: web/node_modules, or "
                        "$RLMINISTYLER_ORT_WEB)")
    p.add_argument("-o", "--output", metavar="SITE", help="folder to write the site into")
    p.add_argument("--serve", metavar="SITE", help="serve a built site on localhost instead of building")
    p.add_argument("--port", type=int, default=8000, help="port for --serve (default 8000; 0: any free)")
    p.add_argument("--host", default="127.0.0.1", help="address for --serve (default 127.0.0.1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rlministyler.errors import UserError

    if args.serve:
        if args.model or args.output:
            raise UserError("--serve SITE serves a built site: give MODEL.onnx -o SITE or --serve SITE")
        from .web_serve import make_server, url_of

        server = make_server(args.serve, args.port, args.host)
        print(f"serving {args.serve} at {url_of(server)} (cross-origin isolated; Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        finally:
            server.server_close()
        return 0
    if not args.model or not args.output:
        raise UserError("give MODEL.onnx and -o SITE/ to build a site, or --serve SITE/ to serve one")
    from .web import build_site

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
