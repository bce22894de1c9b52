"""Pagination shared by every list in the API."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination


class Page(LimitOffsetPagination):
    """limit 1–500, offset bounded: a database is not asked for row 2**63."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=500)
        offset: int = Field(0, ge=0, le=100_000_000)

    def __init__(self, **kwargs):
        super().__init__(max_limit=500, **kwargs)
