"""Who may connect: the API key, OpenAI-style ephemeral client secrets, the browser Origin
check and per-address limits. All of it runs before a session exists.

The server's key never has to reach a web page: a backend that holds it posts to
`/v1/realtime/client_secrets` and hands the page the short-lived `ek_…` value instead, as
with OpenAI's Realtime API.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from voice_agent.gateway.app_keys import GRANT, KEYS, RUNTIME
from voice_agent.realtime.client_events import parse_json
from voice_agent.realtime.protocol import ProtocolError, SessionConfig
from voice_agent.realtime.session_update import apply_session_update

INSECURE_KEY_PROTOCOL = "openai-insecure-api-key."  # how browsers pass a key to a WebSocket
EPHEMERAL_PREFIX = "ek_"
DEFAULT_SECRET_TTL_S = 600  # OpenAI's default
MAX_SECRET_TTL_S = 7200  # OpenAI's longest
MAX_LIVE_SECRETS = 10_000  # unexpired secrets held; more are refused, memory stays bounded
LOOPBACK_NAMES = ("localhost", "ip6-localhost")


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def presented_key(request: web.Request) -> str | None:
    """The bearer the client presented: the Authorization header, or for browsers (which
    cannot set headers on a WebSocket) the `openai-insecure-api-key.` subprotocol."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    for protocol in request.headers.get("Sec-WebSocket-Protocol", "").split(","):
        protocol = protocol.strip()
        if protocol.startswith(INSECURE_KEY_PROTOCOL):
            return protocol[len(INSECURE_KEY_PROTOCOL) :]
    return None


@dataclass
class ClientSecret:
    expires_at: float  # unix time
    session: dict[str, Any] | None  # the session config it was issued with, if any


@dataclass
class Grant:
    """What a connection is allowed: always a session; an ephemeral secret may bring the
    session config its issuer chose."""

    session: dict[str, Any] | None = None


class Keys:
    """The server's API key and the ephemeral secrets issued under it."""

    def __init__(self, api_key: str, clock: Any = time.time) -> None:
        self.api_key = api_key
        self._clock = clock
        self._secrets: dict[str, ClientSecret] = {}

    @property
    def required(self) -> bool:
        return bool(self.api_key)

    def is_api_key(self, presented: str | None) -> bool:
        return bool(self.api_key) and presented is not None and _same(presented, self.api_key)

    def grant(self, presented: str | None) -> Grant | None:
        """The grant for a presented key, or None when it opens nothing."""
        if presented is not None and presented.startswith(EPHEMERAL_PREFIX):
            secret = self._live_secret(presented)
            if secret is not None:
                return Grant(secret.session)
            return None if self.required else Grant()
        if not self.required or self.is_api_key(presented):
            return Grant()
        return None

    def issue(self, ttl_s: int, session: dict[str, Any] | None) -> tuple[str, ClientSecret]:
        self._drop_expired()
        if len(self._secrets) >= MAX_LIVE_SECRETS:
            raise OverflowError(f"{MAX_LIVE_SECRETS} client secrets are live; try again later")
        value = EPHEMERAL_PREFIX + secrets.token_urlsafe(24)
        secret = ClientSecret(self._clock() + ttl_s, session)
        self._secrets[value] = secret
        return value, secret

    def _live_secret(self, presented: str) -> ClientSecret | None:
        self._drop_expired()
        # Look up by comparing every live value in constant time, not by dict key: a hash
        # lookup's timing would say how much of a guess was right.
        found = None
        for value, secret in self._secrets.items():
            if _same(presented, value):
                found = secret
        return found

    def _drop_expired(self) -> None:
        now = self._clock()
        for value in [v for v, s in self._secrets.items() if s.expires_at <= now]:
            del self._secrets[value]


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """Browsers send `Origin`; other clients don't and are judged by their key alone. A page
    may connect from the server's own origin, or from one the operator listed."""
    if origin is None or "*" in allowed:
        return True
    if origin.rstrip("/") in allowed:
        return True
    return host is not None and urlsplit(origin).netloc == host


@dataclass
class AddressLimits:
    """Per client address: concurrent connections, and WebRTC offers in the last minute."""

    max_connections: int
    max_offers_per_minute: int
    clock: Any = time.monotonic
    connections: dict[str, int] = field(default_factory=dict)
    offers: dict[str, deque[float]] = field(default_factory=dict)

    def connect(self, address: str) -> bool:
        if self.connections.get(address, 0) >= self.max_connections:
            return False
        self.connections[address] = self.connections.get(address, 0) + 1
        return True

    def disconnect(self, address: str) -> None:
        left = self.connections.get(address, 0) - 1
        if left > 0:
            self.connections[address] = left
        else:
            self.connections.pop(address, None)

    def offer(self, address: str) -> bool:
        now = self.clock()
        times = self.offers.setdefault(address, deque())
        while times and times[0] <= now - 60.0:
            times.popleft()
        if len(times) >= self.max_offers_per_minute:
            return False
        times.append(now)
        if len(self.offers) > 10_000:  # forget quiet addresses so the table stays small
            for quiet in [a for a, t in self.offers.items() if t[-1] <= now - 60.0]:
                del self.offers[quiet]
        return True


# ---- aiohttp: the checks every /v1/ request passes, and the client secrets endpoint ----

CLIENT_SECRETS_PATH = "/v1/realtime/client_secrets"


def refusal(status: int, code: str, message: str, **headers: str) -> web.Response:
    body = {"error": {"type": "invalid_request_error", "code": code, "message": message}}
    return web.json_response(body, status=status, headers=headers)


def counted_refusal(
    refusals: Counter[str], status: int, code: str, message: str, **headers: str
) -> web.Response:
    """A refusal that /metrics counts under its code."""
    refusals[code] += 1
    return refusal(status, code, message, **headers)


def _needs_api_key(request: web.Request) -> bool:
    """Minting secrets and reading metrics take the real key, never an ephemeral one."""
    return request.path in (CLIENT_SECRETS_PATH, "/metrics")


def _is_hang_up(request: web.Request) -> bool:
    # A call id is known only to the one who made the call (it is in the answer's
    # Location), and a page hangs up with navigator.sendBeacon, which cannot send a key.
    return request.path.startswith("/v1/realtime/calls/") and (
        request.method == "DELETE" or request.path.endswith("/hangup")
    )


@web.middleware
async def access_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    if not (request.path.startswith("/v1/") or request.path == "/metrics"):
        return await handler(request)  # the page, its config and /healthz are public
    runtime = request.app[RUNTIME]
    keys: Keys = request.app[KEYS]
    if not origin_allowed(request.headers.get("Origin"), request.host, runtime.config.origins):
        return counted_refusal(
            runtime.refusals,
            403,
            "forbidden_origin",
            f"pages from {request.headers.get('Origin')} may not use this server; the operator "
            "can allow them with --allowed-origins",
        )
    presented = presented_key(request)
    if _needs_api_key(request):
        grant = Grant() if not keys.required or keys.is_api_key(presented) else None
    elif _is_hang_up(request):
        grant = Grant()
    else:
        grant = keys.grant(presented)
    if grant is None:
        what = "no API key was given" if presented is None else "the key given is not valid"
        runtime.refusals["unauthorized"] += 1  # counted apart from the code OpenAI's clients know
        return refusal(
            401,
            "invalid_api_key",
            f"{what}: send Authorization: Bearer <key> (or, from a browser WebSocket, the "
            f"subprotocol {INSECURE_KEY_PROTOCOL}<key>); ephemeral keys expire",
            **{"WWW-Authenticate": "Bearer"},
        )
    request[GRANT] = grant
    return await handler(request)


async def create_client_secret(request: web.Request) -> web.Response:
    """`POST /v1/realtime/client_secrets`, as OpenAI's: a short-lived `ek_…` key for a page,
    optionally bound to a session config that every session it opens starts with."""
    runtime = request.app[RUNTIME]
    try:
        body = parse_json(await request.read()) if request.can_read_body else {}
    except ProtocolError as exc:
        return refusal(400, exc.code, exc.message)
    if not isinstance(body, dict):
        return refusal(400, "invalid_json", "the body must be a JSON object")
    ttl = DEFAULT_SECRET_TTL_S
    expires_after = body.get("expires_after")
    if expires_after is not None:
        seconds = expires_after.get("seconds") if isinstance(expires_after, dict) else None
        if type(seconds) is not int or not 10 <= seconds <= MAX_SECRET_TTL_S:
            return refusal(
                400,
                "invalid_value",
                f"expires_after.seconds must be an integer in [10, {MAX_SECRET_TTL_S}]",
            )
        ttl = seconds
    session = body.get("session")
    engines = tuple(runtime.engines)
    try:
        config = apply_session_update(SessionConfig(engine=engines[0]), session or {}, engines)
    except ProtocolError as exc:
        return refusal(400, exc.code, exc.message)
    keys: Keys = request.app[KEYS]
    try:
        value, secret = keys.issue(ttl, session)
    except OverflowError as exc:
        return refusal(429, "too_many_secrets", str(exc), **{"Retry-After": "60"})
    return web.json_response(
        {"value": value, "expires_at": int(secret.expires_at), "session": config.to_ga()}
    )
