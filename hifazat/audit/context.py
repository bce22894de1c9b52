"""Where the current request came from, for the audit log (set by RequestContextMiddleware)."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip: str | None = None
    user_agent: str = ""
    channel: str = "web"


current_origin: ContextVar[Origin] = ContextVar("hifazat_origin", default=Origin(channel="system"))  # noqa: B039 - Origin is frozen
