"""Typed keys for what the gateway keeps on its aiohttp app and requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from voice_agent.gateway.access import AddressLimits, Grant, Keys
    from voice_agent.gateway.runtime import Runtime
    from voice_agent.gateway.webrtc import CallManager

RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime")
SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("sockets")
KEYS: web.AppKey[Keys] = web.AppKey("keys")
ADDRESSES: web.AppKey[AddressLimits] = web.AppKey("addresses")
CALLS: web.AppKey[CallManager] = web.AppKey("calls")
GRANT: web.RequestKey[Grant] = web.RequestKey("grant")  # what the request's key allows
