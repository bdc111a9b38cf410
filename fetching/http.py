"""The HTTP client: safe targets, robots.txt, per-host intervals, bounded bodies, retries.

Redirects are followed by hand so every hop passes the safety check before it is connected,
and the connection goes to an address that was checked (no second DNS lookup to rebind): the
first one that accepts the connection, in resolver order.
Retries (429, 5xx, timeouts, connection errors) are tenacity's: they back off exponentially,
or wait what the server's Retry-After asks, capped. Conditional GET: pass the validators
from the last fetch and a 304 comes back as `status=304` with no body.
One Fetcher may serve many threads at once (httpx.Client is thread-safe): every request
still waits for its host's interval and holds one of the host's request slots and one of
the `concurrent_fetches` overall (HostThrottle).
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)
from tenacity.wait import wait_base

from config import FetchSettings
from corpus.fetch_state import Validators
from fetching.body import ACCEPT_ENCODING, BodyError, read_body
from fetching.politeness import HostThrottle
from fetching.robots import RobotsCache, robots_url
from fetching.safety import AllowList, FetchRefused, Resolver, check_url, resolve_host

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "text/plain",
    }
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Client errors that may pass: the request timed out, or the server asked us to slow down.
TRANSIENT_CLIENT_ERRORS = frozenset({408, 429})
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\s;\"']+)", re.IGNORECASE)


class FetchError(Exception):
    """The URL could not be fetched; the message is the recorded reason."""

    def __init__(self, reason: str, status: int | None = None, *, lasting: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.lasting = lasting

    @property
    def permanent(self) -> bool:
        """Fetching this URL again later would not help: the server said so (4xx but 408 and
        429), or the response itself is unusable (`lasting`: a redirect loop, a content type
        we do not accept, a declared size over the limit). Everything else (5xx, timeouts,
        refusals by our own rules, which a config change can lift) may pass."""
        return self.lasting or (
            self.status is not None
            and 400 <= self.status < 500
            and self.status not in TRANSIENT_CLIENT_ERRORS
        )


class _Retryable(FetchError):
    """A failure worth another attempt; `retry_after` is the server's requested wait."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason, status)
        self.retry_after = retry_after


class WaitRetryAfter(wait_base):
    """Wait what the server's Retry-After asked (capped at `cap` seconds), else `fallback`."""

    def __init__(self, cap: float, fallback: wait_base) -> None:
        self.cap = cap
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        asked = getattr(error, "retry_after", None)
        if asked is not None:
            return min(asked, self.cap)
        return self.fallback(retry_state)


@dataclass
class FetchResponse:
    """A successful fetch: 200 with its body, or 304 (not modified) with an empty body."""

    url: str
    status: int
    content_type: str | None
    charset: str | None
    body: bytes
    validators: Validators
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def media_type(header: str | None) -> str | None:
    """`text/html` from `text/html; charset=utf-8`; None when absent."""
    value = (header or "").split(";", 1)[0].strip().lower()
    return value or None


def header_charset(header: str | None) -> str | None:
    """The `charset` parameter of a Content-Type header."""
    match = _CHARSET.search(header or "")
    return match.group(1) if match else None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or an HTTP date), if valid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def host_key(url: str) -> str:
    """What per-host politeness counts by: the URL's host and port, lower-cased (a URL that
    cannot be parsed is its own key: it is refused before any request)."""
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return url


def pinned_request(url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, Any]]:
    """URL, headers and httpx extensions that connect to the checked `address` while the
    server (Host header) and TLS (SNI, certificate check) still see the URL's host name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if address is None or address == host.strip("[]"):
        return url, {}, {}
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    headers = {"Host": parts.netloc.rsplit("@", 1)[-1]}
    extensions = {"sni_hostname": host} if parts.scheme.lower() == "https" else {}
    return pinned, headers, extensions


class Fetcher:
    """One polite, safe HTTP client for a run; close it (or use `with`) when done.

    `sleep`, `resolver` and `clock` are the real ones unless a caller injects others.
    """

    def __init__(
        self,
        config: FetchSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        resolver: Resolver = resolve_host,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.sleep = sleep
        self.resolver = resolver
        self.clock = clock
        self.allow = AllowList(config.allow_hosts)
        self.throttle = HostThrottle(
            config.min_host_interval_seconds,
            clock=clock,
            sleep=sleep,
            per_host=config.concurrent_fetches_per_host,
            total=config.concurrent_fetches,
        )
        self.robots = RobotsCache(self._download_robots, config.user_agent)
        self.client = httpx.Client(
            timeout=httpx.Timeout(
                connect=config.connect_timeout,
                read=config.read_timeout,
                write=config.write_timeout,
                pool=config.pool_timeout,
            ),
            limits=httpx.Limits(
                max_connections=max(100, config.concurrent_fetches),
                max_keepalive_connections=max(100, config.concurrent_fetches),
            ),
            follow_redirects=False,
            trust_env=False,  # no proxies from the environment: we connect where we checked
            headers={"User-Agent": config.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def fetch(
        self,
        url: str,
        accept: Collection[str] = PAGE_TYPES,
        validators: Validators | None = None,
    ) -> FetchResponse:
        """Fetch `url` (conditionally when `validators` are given); raises FetchError."""
        try:
            check_url(url, self.allow, self.resolver)
            if self.config.obey_robots:
                self._obey_robots(url)
            return self._with_retries(url, accept, validators or Validators())
        except FetchRefused as exc:
            raise FetchError(str(exc)) from exc

    def unread_robots(self, url: str) -> str | None:
        """The robots.txt that fetching `url` would read first (None: robots.txt is not obeyed,
        is read already, or `url` is too malformed to have one)."""
        if not self.config.obey_robots:
            return None
        try:
            site = robots_url(url)
        except ValueError:
            return None  # fetching the URL itself says what is wrong with it
        return None if self.robots.known(url) else site

    def read_robots(self, url: str) -> None:
        """Read (and cache) the robots.txt of `url`'s site now, so that fetching the site's
        pages need not; a site whose rules cannot be read is refused when its pages are."""
        if self.config.obey_robots:
            self.robots.rules(url)

    def _obey_robots(self, url: str) -> None:
        refusal = self.robots.refusal(url)
        if refusal:
            raise FetchError(refusal)
        delay = self.robots.crawl_delay(url)
        if delay and delay > self.config.max_crawl_delay_seconds:
            raise FetchError(
                f"robots.txt asks for a Crawl-delay of {delay:g} s, over "
                f"max_crawl_delay_seconds ({self.config.max_crawl_delay_seconds:g} s)"
            )
        if delay:
            self.throttle.set_delay(host_key(url), delay)

    def _download_robots(self, url: str) -> bytes | None:
        try:
            return self._with_retries(url, None, Validators()).body
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None
            raise

    def _with_retries(
        self, url: str, accept: Collection[str] | None, validators: Validators
    ) -> FetchResponse:
        """`_follow` again after each transient failure, up to `retries` more times."""
        retrying = Retrying(
            retry=retry_if_exception_type(_Retryable),
            stop=stop_after_attempt(self.config.retries + 1),
            wait=WaitRetryAfter(
                self.config.retry_after_max_seconds,
                wait_exponential(self.config.backoff_seconds, max=self.config.backoff_max_seconds),
            ),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            response = retrying(self._follow, url, accept, validators)
        except _Retryable as exc:
            attempts = retrying.statistics["attempt_number"]
            raise FetchError(f"{exc.reason} (after {attempts} attempts)", exc.status) from exc
        response.attempts = retrying.statistics["attempt_number"]
        return response

    def _follow(
        self, url: str, accept: Collection[str] | None, validators: Validators
    ) -> FetchResponse:
        """One attempt: request, and follow redirects hop by hop, checking each target."""
        visited = {url}
        previous, current = None, url
        for _hop in range(self.config.max_redirects + 1):
            try:
                addresses = check_url(current, self.allow, self.resolver)
            except FetchRefused as exc:
                if previous is None:
                    raise
                raise FetchRefused(f"redirect from {previous} to {current} {exc}") from exc
            with self.throttle.request(host_key(current)):
                result = self._request(current, addresses, accept, validators)
            if isinstance(result, FetchResponse):
                return result
            previous, current = current, urljoin(current, result)
            if current in visited:
                raise FetchError(f"redirect loop: {current} was already visited", lasting=True)
            visited.add(current)
        raise FetchError(
            f"too many redirects (more than {self.config.max_redirects})", lasting=True
        )

    def _request(
        self,
        url: str,
        addresses: list[str],
        accept: Collection[str] | None,
        validators: Validators,
    ) -> FetchResponse | str:
        """A response, or the Location of a redirect. The checked addresses are tried in turn
        until one accepts the connection; no addresses means connect by (allow-listed) name."""
        for address in addresses or (None,):
            target, headers, extensions = pinned_request(url, address)
            headers.update(validators.headers())
            extensions["trace"] = self._on_sending(host_key(url))
            try:
                with self.client.stream(
                    "GET", target, headers=headers, extensions=extensions
                ) as response:
                    return self._handle(url, response, accept)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failure = exc  # try the next address
            except httpx.TimeoutException as exc:
                raise _Retryable(f"timed out ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                raise _Retryable(f"connection failed ({type(exc).__name__}: {exc})") from exc
        where = f" to {', '.join(addresses)}" if addresses else ""
        raise _Retryable(
            f"connection failed{where} ({type(failure).__name__}: {failure})"
        ) from failure

    def _on_sending(self, host: str) -> Callable[[str, dict[str, Any]], None]:
        """An httpx trace hook that tells the throttle when the request's first bytes go out,
        so the host's interval runs from when it was really asked."""

        def trace(event: str, _info: dict[str, Any]) -> None:
            if event.endswith(".send_request_headers.started"):
                self.throttle.sent(host)

        return trace

    def _handle(
        self, url: str, response: httpx.Response, accept: Collection[str] | None
    ) -> FetchResponse | str:
        status = response.status_code
        if status in REDIRECT_STATUSES and response.headers.get("location"):
            return response.headers["location"]
        if status == 429 or status >= 500:
            wait = retry_after_seconds(response.headers.get("retry-after"))
            raise _Retryable(f"HTTP {status} {response.reason_phrase}", status, wait)
        if status >= 400 or (status >= 300 and status != 304):
            raise FetchError(f"HTTP {status} {response.reason_phrase}", status)
        validators = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
        content_type = response.headers.get("content-type")
        if status == 304:
            response.read()  # no body; finishing it lets the connection be reused
            return FetchResponse(url, 304, None, None, b"", validators, 1)
        mime = media_type(content_type)
        if accept is not None and mime is not None and mime not in accept:
            raise FetchError(f"content type {mime} is not accepted", status, lasting=True)
        self._refuse_declared_size(response)
        try:
            body = read_body(
                response.iter_raw(),
                response.headers.get("content-encoding"),
                self.config.max_body_bytes,
                self.config.max_fetch_seconds,
                self.clock,
            )
        except BodyError as exc:
            raise FetchError(str(exc), status) from exc
        return FetchResponse(url, status, mime, header_charset(content_type), body, validators, 1)

    def _refuse_declared_size(self, response: httpx.Response) -> None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.config.max_body_bytes:
            raise FetchError(
                f"body is over the {self.config.max_body_bytes}-byte limit "
                f"(Content-Length {declared})",
                response.status_code,
                lasting=True,
            )
