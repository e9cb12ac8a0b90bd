"""What every request passes before the service reads its body: its API key, then its size.

A pure ASGI middleware, so nothing is read or buffered before it decides:

1. with API keys (`bankruptcy.serving.auth`), a request to any path but the open ones
   (``/health``, the page's shell) without a known key is answered 401 with a
   ``WWW-Authenticate`` challenge; the key's name goes to the request's state (``key_name``);
2. a body whose ``Content-Length`` exceeds the byte budget (`bankruptcy.serving.limits`) is
   answered 413 before a byte of it is read, and the connection closed (the client may still
   be sending); a body without one (chunked) is counted as it is read and refused as soon as
   it passes the budget.

The answers themselves (their JSON, whether the prediction log records them) are the
service's: it passes `refused`, which turns a `Refused` into a response.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bankruptcy.serving.auth import CHALLENGE, ApiKeys, presented_key
from bankruptcy.serving.contract import Problem
from bankruptcy.serving.limits import Limits


class Refused(Exception):
    """A request answered with an error status and a JSON body of problems.

    Attributes
    ----------
    status : int
        HTTP status.
    body : dict
        ``error`` (one line) and ``problems`` (machine-readable, `Problem` fields).
    headers : dict
        Extra response headers (a 401's challenge, a 413's ``Connection: close``).
    logged : bool
        Whether the prediction log records it (not a request without a valid key).
    """

    def __init__(
        self,
        status: int,
        error: str,
        problems: list[Problem] | None = None,
        headers: dict | None = None,
        logged: bool = True,
    ):
        super().__init__(error)
        self.status = status
        self.body = {"error": error, "problems": [p.__dict__ for p in problems or []]}
        self.headers = headers or {}
        self.logged = logged


def refusal(status: int, kind: str, message: str, **kwargs) -> Refused:
    """A `Refused` whose one problem says the same as its error line."""
    return Refused(status, message, [Problem(kind, message)], **kwargs)


def too_large(size: int, limits: Limits, measured: str) -> Refused:
    """The 413 of a body above the byte budget."""
    return refusal(
        413,
        "too_large",
        f"the body {measured} {size:,} bytes; at most {limits.max_body_bytes:,} per request "
        + (
            f"(enough for {limits.max_rows:,} rows; serve --max-rows)"
            if limits.derived
            else "(serve --max-body-bytes)"
        ),
        headers={"Connection": "close"},
    )


class BodyTooLarge(Exception):
    """Raised while a body is read, once it has passed the byte budget."""

    def __init__(self, read: int):
        super().__init__(read)
        self.read = read


class Gate:
    """ASGI middleware: API key, then body size, before the app sees the request.

    Parameters
    ----------
    app : ASGI app
        The service.
    keys : ApiKeys or None
        The keys accepted; None lets every request through (an open service).
    limits : callable
        The current limits (they follow the served package's contract).
    open_paths : set of str
        Paths served without a key.
    refused : callable
        ``refused(scope, Refused) -> Response``: the service's answer (and log record).
    """

    def __init__(
        self,
        app: ASGIApp,
        keys: ApiKeys | None,
        limits: Callable[[], Limits],
        open_paths: frozenset[str],
        refused: Callable[[Scope, Refused], Response],
    ):
        self.app = app
        self.keys = keys
        self.limits = limits
        self.open_paths = open_paths
        self.refused = refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        state = scope.setdefault("state", {})
        state["key_name"] = None
        if self.keys is not None and scope["path"] not in self.open_paths:
            presented = presented_key(headers)
            state["key_name"] = self.keys.name_of(presented)
            if state["key_name"] is None:
                await self._answer(scope, receive, send, unauthorized(presented is not None))
                return
        limits = self.limits()
        declared = _length(headers.get(b"content-length"))
        if declared is not None and declared > limits.max_body_bytes:
            await self._answer(scope, receive, send, too_large(declared, limits, "declares"))
            return
        started = False

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["body_bytes"] = state.get("body_bytes", 0) + len(message.get("body", b""))
                if state["body_bytes"] > limits.max_body_bytes:
                    raise BodyTooLarge(state["body_bytes"])
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as error:
            if started:
                raise
            await self._answer(scope, receive, send, too_large(error.read, limits, "passed"))

    async def _answer(self, scope: Scope, receive: Receive, send: Send, refused: Refused) -> None:
        await self.refused(scope, refused)(scope, receive, send)


def unauthorized(presented: bool) -> Refused:
    """The 401 of a request without a known key (RFC 6750: a wrong token is invalid_token)."""
    challenge = f'{CHALLENGE}, error="invalid_token"' if presented else CHALLENGE
    message = (
        "unknown API key" if presented else "this service needs an API key"
    ) + ": send Authorization: Bearer <key> or X-API-Key: <key>"
    # the connection is closed: a body sent without a key is not worth reading to its end
    headers = {"WWW-Authenticate": challenge, "Connection": "close"}
    return refusal(401, "unauthorized", message, headers=headers, logged=False)


def _length(value: bytes | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:  # the HTTP parser refuses it first; never trust it here
        return None
