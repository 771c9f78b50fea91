"""The HTTP server: read-only (GET and HEAD), security headers, errors as 4xx pages.

``make_server`` binds (failing with a one-line error when the port is taken);
``serve`` runs it until interrupted.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from gitml.errors import AmbiguousId, GitmlError, RecordNotFound, UsageError
from gitml.runs.store import InvalidRunRef
from gitml.ui import pages
from gitml.ui.app import build_router
from gitml.ui.http import (
    SECURITY_HEADERS,
    HttpError,
    Response,
    html_response,
    json_response,
)
from gitml.ui.routes import Request, Router

MAX_URL = 8192
ALLOWED = "GET, HEAD"


class UiServer(ThreadingHTTPServer):
    """A threading server that knows its repository and routes."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], root: Path, *, verbose: bool = False) -> None:
        self.root = root
        self.router: Router = build_router()
        self.verbose = verbose
        super().__init__(address, Handler)
        self.allowed_hosts = self._allowed_hosts()

    def _allowed_hosts(self) -> frozenset[str] | None:
        """``Host`` headers a browser sends for this server's own address (None: any, when
        bound to every interface, where the user chose to be reachable under any name)."""
        port = self.server_address[1]
        bound = self.url.split("//", 1)[1].rstrip("/").rsplit(":", 1)[0].lower()
        if bound in ("0.0.0.0", "[::]"):
            return None
        names = {bound, "127.0.0.1", "localhost", "[::1]"}
        return frozenset(name for n in names for name in (n, f"{n}:{port}"))

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{text}]" if ":" in text else text
        return f"http://{shown}:{port}/"


def status_of(exc: GitmlError) -> int:
    """The HTTP status of a domain error: unknown records 404, bad input 400, else 500."""

    if isinstance(exc, RecordNotFound | InvalidRunRef):
        return 404
    if isinstance(exc, UsageError | AmbiguousId):
        return 400
    return 500


class Handler(BaseHTTPRequestHandler):
    server: UiServer
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "gitml-ui"

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def __getattr__(self, name: str) -> Any:
        # Every other method (POST, PUT, DELETE, PATCH, OPTIONS, TRACE ...): 405.
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        # A request body is never read: close the connection rather than parse it as a request.
        self.close_connection = True
        path = urlsplit(self.path).path
        response = self._error(
            path, 405, f"{self.command} is not allowed: this server is read-only"
        )
        self._send(response, head=False, extra={"Allow": ALLOWED})

    def _answer(self, *, head: bool) -> None:
        path = self.path.partition("?")[0] or "/"
        try:
            if len(self.path) > MAX_URL:
                raise HttpError(414, "the URL is too long")
            host = self.headers.get("Host", "")
            allowed = self.server.allowed_hosts
            if allowed is not None and host.lower() not in allowed:
                # A page elsewhere cannot rebind its own name to this address and read it.
                raise HttpError(403, f"unexpected Host header {host!r}; open {self.server.url}")
            split = urlsplit(self.path)
            path = split.path or "/"
            found = self.server.router.match(path)
            if found is None:
                raise HttpError(404, f"no page at {path}")
            route, params = found
            query = dict(parse_qsl(split.query, keep_blank_values=True, errors="strict"))
            response = route.handler(Request(self.server.root, params, query))
        except HttpError as exc:
            response = self._error(path, exc.status, exc.message)
        except GitmlError as exc:
            response = self._error(path, status_of(exc), str(exc))
        except UnicodeDecodeError:
            response = self._error(path, 400, "the URL is not valid UTF-8")
        except Exception as exc:  # noqa: BLE001 - a server answers every request
            if os.environ.get("GITML_DEBUG"):
                traceback.print_exc()
            sys.stderr.write(f"gitml ui: unexpected error on {path}: {type(exc).__name__}: {exc}\n")
            response = self._error(
                path, 500, "unexpected error in gitml; the server log has details"
            )
        self._send(response, head=head)

    def _error(self, path: str, status: int, message: str) -> Response:
        if path.startswith("/api/"):
            return json_response({"error": {"status": status, "message": message}}, status)
        return html_response(pages.error_page(status, message), status)

    def _send(self, response: Response, *, head: bool, extra: dict[str, str] | None = None) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            headers = {"Cache-Control": "no-store", **SECURITY_HEADERS, **response.headers}
            for key, value in {**headers, **(extra or {})}.items():
                self.send_header(key, value)
            self.end_headers()
            if not head:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"gitml ui: {self.address_string()} {format % args}\n")


def make_server(
    root: Path, host: str = "127.0.0.1", port: int = 8765, *, verbose: bool = False
) -> UiServer:
    """Bind the UI server for the repository at ``root`` (port 0: any free port)."""
    try:
        return UiServer((host, port), root, verbose=verbose)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise GitmlError(
                f"port {port} on {host} is already in use; choose another with --port N "
                "(or --port 0 for any free port)"
            ) from None
        if exc.errno == errno.EACCES:
            raise GitmlError(
                f"no permission to listen on port {port}; use a port above 1023 with --port N"
            ) from None
        raise GitmlError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(server: UiServer) -> None:
    """Serve until Ctrl-C (raised to the caller) or ``server.shutdown()``."""
    try:
        server.serve_forever(poll_interval=0.25)
    finally:
        server.server_close()
