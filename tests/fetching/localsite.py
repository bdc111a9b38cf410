"""A real HTTP server on 127.0.0.1 (a thread) that serves scripted replies and records every
request, and the pages and helpers the fetching tests share."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Reply:
    """One scripted response. With `etag`/`last_modified`, a matching conditional request
    gets 304 instead, as a real server would answer."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    send_length: bool = True


@dataclass
class Seen:
    """A request the server received."""

    path: str
    headers: dict[str, str]


class LocalSite:
    """Routes paths to replies; a list of replies is served in turn, the last one repeats."""

    def __init__(self) -> None:
        self.base = ""
        self.routes: dict[str, list[Reply] | Callable[[Seen], Reply]] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.url(path)

    def seen(self, path: str) -> list[Seen]:
        """Requests for `path` (any query string)."""
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def reply_for(self, request: Seen) -> Reply:
        with self.lock:
            self.requests.append(request)
            route = self.routes.get(urlsplit(request.path).path)
            if route is None:
                return Reply(404, b"not found", "text/plain")
            if callable(route):
                return route(request)
            return route.pop(0) if len(route) > 1 else route[0]


def _conditional_hit(reply: Reply, headers: dict[str, str]) -> bool:
    if reply.etag and headers.get("if-none-match") == reply.etag:
        return True
    return bool(reply.last_modified and headers.get("if-modified-since") == reply.last_modified)


def _handler(site: LocalSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            headers = {key.lower(): value for key, value in self.headers.items()}
            reply = site.reply_for(Seen(self.path, headers))
            if reply.delay:
                time.sleep(reply.delay)
            status = 304 if _conditional_hit(reply, headers) else reply.status
            self.send_response(status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if reply.etag:
                self.send_header("ETag", reply.etag)
            if reply.last_modified:
                self.send_header("Last-Modified", reply.last_modified)
            body = b"" if status == 304 else reply.body
            if status != 304 and reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            if reply.send_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The client may give up (size limit, timeout): expected in these tests.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


def start_site() -> tuple[LocalSite, ThreadingHTTPServer]:
    """A LocalSite served on an ephemeral port of 127.0.0.1 by a background thread."""
    local = LocalSite()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(local))
    local.base = f"http://127.0.0.1:{server.server_address[1]}"
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return local, server


class RecordedSleep:
    """A sleep that records the waits asked for and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def article_html(title: str, topic: str, canonical: str | None = None) -> bytes:
    """A news page with navigation debris and a body long enough for trafilatura."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(
        f"<p>{topic} report, part {n}: officials said on Tuesday that the {topic} programme "
        f"would continue through next year, with reviews planned every quarter and a public "
        f"consultation on its effects in paragraph {n}.</p>"
        for n in range(1, 7)
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{link}</head>"
        f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        f"<footer>Copyright Example News</footer></body></html>"
    ).encode()
