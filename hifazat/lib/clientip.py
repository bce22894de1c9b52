"""The client's address: REMOTE_ADDR, or X-Forwarded-For only when the peer is a trusted proxy.

Used for the per-address sign-in throttle and the audit log, so a client must not be able to
choose it: with TRUSTED_PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For is
used, and only when the connection comes from an address in TRUSTED_PROXIES.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]):
    return tuple(ipaddress.ip_network(n, strict=False) for n in spec)


def _valid(ip: str) -> str | None:
    try:
        return str(ipaddress.ip_address(ip.strip().strip("[]")))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count or remote is None:
        return remote
    addr = ipaddress.ip_address(remote)
    if not any(addr in net for net in _networks(tuple(settings.TRUSTED_PROXIES))):
        return remote
    parts = [p for p in (request.headers.get("x-forwarded-for") or "").split(",") if p.strip()]
    if len(parts) < count:
        return remote
    return _valid(parts[-count]) or remote
