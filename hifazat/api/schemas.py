"""Input and output shapes of the API (separate, so outputs never accept input)."""

from datetime import date

from ninja import Schema
from pydantic import ConfigDict, Field


class OrganisationOut(Schema):
    code: str
    name: str
    name_ur: str
    kind: str
    parent: str | None = Field(None, description="the parent organisation's code")
    email_domains: list[str]
    valid_from: date | None
    valid_to: date | None

    @staticmethod
    def resolve_parent(obj):
        return obj.parent.code if obj.parent_id else None


class PersonOut(Schema):
    id: int
    employee_number: str | None
    full_name: str
    email: str
    designation: str
    bps_grade: int | None
    organisation: str
    track: str
    preferred_language: str
    is_active: bool

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.code


class PersonIn(Schema):
    """One person as an HR system knows them. Unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")

    employee_number: str = Field(..., min_length=1, max_length=32)
    full_name: str = Field(..., min_length=1, max_length=150)
    email: str = Field(..., min_length=3, max_length=254)
    designation: str = Field("", max_length=120)
    bps_grade: int = Field(..., ge=1, le=22)
    organisation: str = Field(..., min_length=1, max_length=32, description="organisation code")
    track: str = Field("general", description="general or it_admin")


class SyncIn(Schema):
    model_config = ConfigDict(extra="forbid")

    people: list[PersonIn] = Field(..., max_length=10_000)
    organisation: str | None = Field(
        None, description="limit the sync to this organisation's subtree"
    )
    dry_run: bool = False


class SyncOut(Schema):
    applied: bool
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int


class ErrorOut(Schema):
    detail: str
