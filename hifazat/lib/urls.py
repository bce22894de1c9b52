"""Redirect targets that stay on this site."""

import re

from django.utils.http import url_has_allowed_host_and_scheme

_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None, default: str = "/") -> str:
    """Return ``target`` if it is a plain path on this site, else ``default``.

    Stricter than Django's check: only absolute paths, no scheme or host, no
    backslashes or control characters that browsers strip or rewrite ("//\\t/x").
    """
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or _UNSAFE.search(target)
    ):
        return default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return default
    return target
