"""The loopback listener that catches Xero's OAuth redirect (works from a notebook kernel)."""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from matchkit._exceptions import AuthError

__all__ = ["LoopbackListener"]


class LoopbackListener:
    """A one-shot HTTP listener on 127.0.0.1 that catches the OAuth redirect."""

    def __init__(self, port: int = 0) -> None:
        self._result: dict[str, str] = {}
        self._done = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/callback":
                    self.send_error(404)
                    return
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                ok = "code" in query
                message = ("Connected to Xero. You can close this tab." if ok else
                           "Xero login failed: " + query.get("error", "no code"))
                body = f"<!doctype html><title>matchkit</title><p>{html.escape(message)}</p>"
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())
                if not listener._done.is_set():
                    listener._result = query
                    listener._done.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the default logs the request line, which carries the code

        try:
            self._server = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise AuthError(f"cannot listen on 127.0.0.1:{port} for Xero's login answer "
                            f"({exc.strerror}): something else uses the port; stop it, or "
                            "register another port's callback with the Xero app and set "
                            "MATCHKIT_XERO_REDIRECT_PORT", system="xero") from None
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_port}/callback"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True,
                                        name="xero-oauth-listener")

    def __enter__(self) -> LoopbackListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait(self, timeout: float) -> dict[str, str]:
        if not self._done.wait(timeout):
            raise AuthError(f"no Xero login within {timeout:.0f}s; try connecting again",
                            system="xero")
        return self._result
