"""``rlministyler web --serve SITE/``: a static file server for the site on localhost, with the
headers WebAssembly threads need (cross-origin isolation: COOP + COEP) and the right MIME types."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from rlministyler.errors import UserError

MIME_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
              ".onnx": "application/octet-stream", ".json": "application/json", ".css": "text/css",
              ".html": "text/html", ".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}
ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin",
                     "Cross-Origin-Embedder-Policy": "require-corp",
                     "Cross-Origin-Resource-Policy": "same-origin"}


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves one folder with cross-origin isolation and no caching (a rebuilt site shows at once)."""

    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    quiet: ClassVar[bool] = False

    def end_headers(self) -> None:
        for key, value in ISOLATION_HEADERS.items():
            self.send_header(key, value)
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_head(self):
        # a path the file system cannot take (a NUL byte, a name too long) is a bad request, not a
        # traceback in the server's thread and a connection closed with no answer
        try:
            return super().send_head()
        except (ValueError, OSError):
            self.send_error(400, "bad path")
            return None

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(site: str | Path, port: int = 8000, host: str = "127.0.0.1", quiet: bool = False
                ) -> ThreadingHTTPServer:
    """A server for ``site`` bound to ``host:port`` (port 0: any free port), not yet serving."""
    folder = Path(site)
    if not (folder / "index.html").is_file() or not (folder / "manifest.json").is_file():
        raise UserError(f"{folder} is not a site built by `rlministyler web` (no index.html, manifest.json)")
    handler = functools.partial(type("Handler", (SiteHandler,), {"quiet": quiet}), directory=str(folder))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise UserError(f"cannot serve on {host}:{port}: {exc.strerror}") from None


def serve_in_thread(site: str | Path, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start serving ``site`` in a daemon thread (for tests and benchmarks); ``shutdown()`` stops it."""
    server = make_server(site, port, host, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def banner(server: ThreadingHTTPServer, host: str) -> list[str]:
    """What ``--serve`` prints: the address, and, when other machines can reach the site, that
    over plain http they get no secure context (no camera, no WebGPU, one thread)."""
    if host in LOOPBACK:
        return [f"serving at {url_of(server)} (cross-origin isolated: WebAssembly threads; Ctrl-C stops)"]
    port = server.server_address[1]
    return [f"serving at {url_of(server)} on this machine (cross-origin isolated; Ctrl-C stops), and at "
            f"http://{'<this machine>' if host in ('0.0.0.0', '::') else host}:{port}/ for others",
            "warning: other machines open it over plain http, which is not a secure context: no camera, no "
            "WebGPU and one thread there. Open it on localhost, or put it behind https (a reverse proxy or "
            "a tunnel)."]


def url_of(server: ThreadingHTTPServer) -> str:
    """The address to open in a browser for ``server``."""
    host, port = server.server_address[:2]
    return f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"
