"""``people_import``: validate an HR list completely, then apply it in one transaction.

All-or-nothing by default: a file with any rejected row changes nothing. People are matched
by employee number, then by e-mail; new people get no usable password (they sign in through
an invitation or reset link). One audit event records the whole import with its changes.

Writes use ``executemany`` with fixed, parameterised statements: the ORM's ``bulk_create``
costs ~8.5× a plain ``executemany`` (see bench/import), and an HR list can have 100,000 rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.audit.services import audit_record
from hifazat.orgs import access
from hifazat.orgs.imports.readers import (
    ImportFileError,
    Table,
    iter_records,
    normalise_header,
    read_table,
)
from hifazat.orgs.imports.validation import COLUMNS, CONTROL, REQUIRED, Scope, clean_person
from hifazat.orgs.models import Organisation, Person
from hifazat.orgs.roles import PEOPLE_IMPORTERS

CHUNK = 2000
# The columns a new person is inserted with (also the import benchmark's baseline).
INSERT_COLUMNS = [
    "password",
    "email",
    "full_name",
    "employee_number",
    "designation",
    "bps_grade",
    "organisation_id",
    "org_path",
    "track",
    "preferred_language",
    "is_active",
    "date_joined",
    "updated_at",
]


def insert_sql() -> str:
    """INSERT of one person: identifiers are the model's own names, values are parameters."""
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in INSERT_COLUMNS)
    return f"INSERT INTO {q(Person._meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"  # noqa: S608


FIELDS = (
    "email",
    "full_name",
    "designation",
    "bps_grade",
    "organisation_id",
    "track",
    "is_active",
)


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def __post_init__(self):
        # Shown on a page and in a terminal: make line breaks and controls visible, keep it short.
        self.value = CONTROL.sub(lambda m: repr(m.group())[1:-1], self.value)[:80]


@dataclass
class ImportReport:
    created_numbers: list[str] = field(default_factory=list)  # for invitations after applying
    filename: str = ""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    file_error: str = ""
    dry_run: bool = False
    applied: bool = False
    to_deactivate: int = 0
    organisation: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    def summary(self) -> dict:
        keys = (
            "rows",
            "created",
            "updated",
            "unchanged",
            "deactivated",
            "rejected",
            "to_deactivate",
        )
        return {k: getattr(self, k) for k in keys}


def import_scope(actor, org: Organisation | None) -> Scope:
    """The organisations an importer may write to: what they manage, narrowed to ``org``."""
    orgs = {o.code: o for o in Organisation.objects.all()}
    if actor is None:  # the command line: the server's operator
        paths = None
    else:
        if not access.has_role(actor, *PEOPLE_IMPORTERS):
            raise PermissionDenied
        paths = list(access.managed_organisations(actor).values_list("path", flat=True))
    if org is not None:
        if paths is not None and not any(org.path.startswith(p) for p in paths):
            raise PermissionDenied
        paths = [org.path]
    return Scope(orgs_by_code=orgs, allowed_paths=paths)


def _fetch_people(column: str, values: list[str]) -> list[tuple]:
    """People whose ``column`` is among ``values``: (id, employee_number, *FIELDS, org_path).

    A plain parameterised SELECT per chunk: building 50 ORM queries of 2,000 parameters
    costs more than running them.
    """
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in ("id", "employee_number", *FIELDS, "org_path"))
    rows = []
    with connection.cursor() as cursor:
        for i in range(0, len(values), CHUNK):
            chunk = values[i : i + CHUNK]
            sql = f"SELECT {cols} FROM {q(Person._meta.db_table)} WHERE {q(column)} IN ({', '.join(['%s'] * len(chunk))})"  # noqa: S608
            cursor.execute(sql, chunk)
            rows.extend(cursor.fetchall())
    # SQLite returns booleans as 0/1
    return [(*r[:-2], bool(r[-2]), r[-1]) for r in rows]


def _existing(clean_rows) -> tuple[dict, dict]:
    """Registry rows matching the file: by employee number, and by e-mail where it matters."""
    by_number = {
        r[1]: r
        for r in _fetch_people("employee_number", [c["employee_number"] for _, c in clean_rows])
    }
    # E-mail lookups only for rows not matched by number, or whose e-mail changes (to find
    # who else holds it): an unchanged re-import needs none.
    wanted = [
        c["email"]
        for _, c in clean_rows
        if (m := by_number.get(c["employee_number"])) is None or m[2] != c["email"]
    ]
    by_email = {r[2]: r for r in _fetch_people("email", wanted)}
    for row in by_number.values():
        by_email.setdefault(row[2], row)
    return by_number, by_email


def people_import(
    *,
    actor: Person | None,
    data: bytes,
    filename: str = "",
    org: Organisation | None = None,
    dry_run: bool = False,
    deactivate_missing: bool = False,
    encoding: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport(filename=filename, dry_run=dry_run, organisation=org.code if org else "")
    scope = import_scope(actor, org)
    if deactivate_missing and org is None:
        report.file_error = _("Name the organisation whose missing people should be deactivated.")
        return report
    try:
        table = read_table(data, max_bytes=settings.IMPORT_MAX_BYTES, encoding=encoding)
    except ImportFileError as exc:
        report.file_error = str(exc)
        return report
    if not _check_header(table, report):
        return report
    index = {normalise_header(h): i for i, h in enumerate(table.header)}
    by_position = {i: name for name, i in index.items()}
    formulas = [
        (row, by_position[col], f)
        for row, col, f in table.formulas
        if by_position.get(col) in COLUMNS
    ]
    records = list(iter_records(table, COLUMNS))
    return _import_records(
        actor,
        records,
        scope,
        report,
        org=org,
        dry_run=dry_run,
        deactivate_missing=deactivate_missing,
        formulas=formulas,
        progress=progress,
    )


def people_sync(
    *, actor: Person, records: list[dict], org: Organisation | None = None, dry_run: bool = False
) -> ImportReport:
    """The API's HR sync: the same validation and writer as the file import (rows from 1)."""
    report = ImportReport(filename="api", dry_run=dry_run, organisation=org.code if org else "")
    scope = import_scope(actor, org)
    numbered = [
        (n, {c: "" if r.get(c) is None else str(r[c]).strip() for c in COLUMNS})
        for n, r in enumerate(records)
    ]
    return _import_records(actor, numbered, scope, report, org=org, dry_run=dry_run)


def _import_records(
    actor,
    records,
    scope,
    report,
    *,
    org,
    dry_run,
    deactivate_missing=False,
    formulas=(),
    progress=None,
) -> ImportReport:
    report.rows = len(records)
    clean_rows = _validate(records, formulas, scope, report, progress)
    if report.errors:
        report.rejected = len({e.row for e in report.errors})
        return report
    try:
        # Plan and write under one transaction (on SQLite it holds the write lock from the
        # start), so that what was checked is what gets written.
        with transaction.atomic():
            plan = _plan(clean_rows, scope, report, actor)
            if report.errors:
                report.rejected = len({e.row for e in report.errors})
                return report
            missing = _missing(org, plan, actor) if deactivate_missing else []
            report.to_deactivate = len(missing)
            report.created, report.updated = len(plan.creates), len(plan.updates)
            report.created_numbers = [c["employee_number"] for c in plan.creates]

            report.unchanged = len(clean_rows) - report.created - report.updated
            if dry_run:
                return report
            _apply(plan, missing)
            report.deactivated = len(missing)
            report.applied = True
            audit_record(
                actor=actor,
                action="people.imported",
                object_type="orgs.person",
                organisation_id=org.pk if org else None,
                data={
                    "file": report.filename,
                    "summary": report.summary(),
                    "created": [r["employee_number"] for r in plan.creates],
                    "updated": dict(plan.changed_fields),
                    "deactivated": [n for _, n in missing],
                },
            )
    except IntegrityError:
        report.applied = False
        report.file_error = _(
            "Someone changed the same people while this file was being imported; nothing "
            "was imported. Check it again."
        )
    return report


def _check_header(table: Table, report: ImportReport) -> bool:
    header = [normalise_header(h) for h in table.header]
    missing = [c for c in COLUMNS if c not in header and c in REQUIRED]
    unknown = [h for h, n in zip(table.header, header, strict=False) if n not in COLUMNS]
    if unknown:
        report.warnings.append(
            _("Ignored unknown columns: %(cols)s")
            % {"cols": ", ".join(u or "(blank)" for u in unknown)}
        )
    duplicated = sorted({h for h in header if header.count(h) > 1 and h in COLUMNS})
    if missing or duplicated:
        parts = []
        if missing:
            parts.append(_("missing required columns: %(cols)s") % {"cols": ", ".join(missing)})
        if duplicated:
            parts.append(_("columns given twice: %(cols)s") % {"cols": ", ".join(duplicated)})
        report.file_error = _(
            "The header row is not usable (%(problems)s). Download the template to see the columns."
        ) % {"problems": "; ".join(parts)}
        return False
    if not table.rows:
        report.file_error = _("The file has a header but no rows.")
        return False
    return True


def _validate(
    records, formulas, scope: Scope, report: ImportReport, progress
) -> list[tuple[int, dict]]:
    for row, column, formula in formulas:
        report.errors.append(
            RowError(row, column, formula, _("contains a formula; type the value itself"))
        )
    formula_rows = {e.row for e in report.errors}
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    clean_rows = []
    for n, (row, record) in enumerate(records, start=1):
        if progress and n % 5000 == 0:
            progress(5000)
        clean, errors = clean_person(record, scope)
        for column, value, message in errors:
            report.errors.append(RowError(row, column, value[:80], message))
        if clean is None or row in formula_rows:
            continue
        number, email = clean["employee_number"], clean["email"]
        if number in seen_numbers:
            report.errors.append(
                RowError(
                    row,
                    "employee_number",
                    number,
                    _("appears again (first on row %(row)s)") % {"row": seen_numbers[number]},
                )
            )
            continue
        if email in seen_emails:
            report.errors.append(
                RowError(
                    row,
                    "email",
                    email,
                    _("appears again (first on row %(row)s)") % {"row": seen_emails[email]},
                )
            )
            continue
        seen_numbers[number], seen_emails[email] = row, row
        clean_rows.append((row, clean))
    if progress:
        progress(len(records) % 5000)
    report.errors.sort(key=lambda e: (e.row, e.column))
    return clean_rows


@dataclass
class Plan:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple] = field(default_factory=list)  # (id, values…) in FIELDS order + org_path
    changed_fields: dict[str, list[str]] = field(default_factory=dict)
    matched_ids: set[int] = field(default_factory=set)


def _plan(clean_rows, scope: Scope, report: ImportReport, actor) -> Plan:
    plan = Plan()
    by_number, by_email = _existing(clean_rows)

    for row, c in clean_rows:
        match = by_number.get(c["employee_number"]) or by_email.get(c["email"])
        if match is None:
            plan.creates.append(c)
            continue
        pid, number, *current, org_path = match
        if not scope.allows_path(org_path):
            report.errors.append(
                RowError(
                    row,
                    "employee_number",
                    c["employee_number"],
                    _("belongs to a person registered elsewhere; ask the programme manager"),
                )
            )
            continue
        owner = by_email.get(c["email"])
        if owner is not None and owner[0] != pid:
            report.errors.append(
                RowError(row, "email", c["email"], _("is already used by another person"))
            )
            continue
        if number and number != c["employee_number"]:
            report.errors.append(
                RowError(
                    row,
                    "email",
                    c["email"],
                    _("belongs to employee number %(n)s, not %(m)s")
                    % {"n": number, "m": c["employee_number"]},
                )
            )
            continue
        wanted = (
            c["email"],
            c["full_name"],
            c["designation"],
            c["bps_grade"],
            c["organisation"].pk,
            c["track"],
            True,
        )
        changed = [
            name for name, old, new in zip(FIELDS, current, wanted, strict=True) if old != new
        ]
        if not number:
            changed.append("employee_number")
        plan.matched_ids.add(pid)
        if changed:
            plan.updates.append((pid, c["employee_number"], *wanted, c["organisation"].path))
            plan.changed_fields[c["employee_number"]] = changed
    return plan


def _missing(org: Organisation, plan: Plan, actor) -> list[tuple[int, str]]:
    qs = Person.objects.filter(org_path__startswith=org.path, is_active=True)
    if actor is not None:
        qs = qs.exclude(pk=actor.pk)
    return [
        (pk, number or "")
        for pk, number in qs.values_list("id", "employee_number")
        if pk not in plan.matched_ids
    ]


def _apply(plan: Plan, missing: list[tuple[int, str]]) -> None:
    q = connection.ops.quote_name
    table = q(Person._meta.db_table)
    now = timezone.now()
    if plan.creates:
        sql = insert_sql()

        rows = [
            (
                UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                c["email"],
                c["full_name"],
                c["employee_number"],
                c["designation"],
                c["bps_grade"],
                c["organisation"].pk,
                c["organisation"].path,
                c["track"],
                "en",
                True,
                now,
                now,
            )
            for c in plan.creates
        ]
        with connection.cursor() as cursor:
            for i in range(0, len(rows), CHUNK):
                cursor.executemany(sql, rows[i : i + CHUNK])
    if plan.updates:
        sets = ["employee_number", *FIELDS, "org_path"]
        assignments = ", ".join(f"{q(c)} = %s" for c in [*sets, "updated_at"])
        # fixed identifiers, values are parameters
        sql = (
            f"UPDATE {table} SET {assignments}, {q('deactivated_at')} = NULL WHERE {q('id')} = %s"  # noqa: S608
        )
        rows = [(*values, now, pid) for pid, *values in plan.updates]
        with connection.cursor() as cursor:
            for i in range(0, len(rows), CHUNK):
                cursor.executemany(sql, rows[i : i + CHUNK])
    ids = [pk for pk, _ in missing]
    for i in range(0, len(ids), CHUNK):
        Person.objects.filter(pk__in=ids[i : i + CHUNK]).update(
            is_active=False, deactivated_at=now, updated_at=now
        )


# --- the web flow: check (stage), then apply --------------------------------------------------


def report_to_json(report: ImportReport) -> dict:
    from dataclasses import asdict

    data = asdict(report)
    data["errors"] = data["errors"][:1000]  # the page shows the first thousand
    data["error_count"] = len(report.errors)
    return data


@transaction.atomic
def people_import_check(
    *,
    actor: Person,
    data: bytes,
    filename: str,
    org: Organisation | None,
    deactivate_missing: bool,
):
    """Check an uploaded file without changing anyone; keep it for the confirmation step."""
    import uuid

    from hifazat.orgs.models import PeopleImport

    report = people_import(
        actor=actor,
        data=data,
        filename=filename,
        org=org,
        dry_run=True,
        deactivate_missing=deactivate_missing,
    )
    staged = PeopleImport.objects.create(
        uuid=uuid.uuid4(),
        created_by=actor,
        filename=filename[:200],
        organisation=org,
        deactivate_missing=deactivate_missing,
        content=data if report.ok else None,
        status=PeopleImport.Status.CHECKED if report.ok else PeopleImport.Status.REJECTED,
        report=report_to_json(report),
    )
    audit_record(
        actor=actor,
        action="people.import_checked",
        obj=staged,
        organisation_id=org.pk if org else None,
        data={"summary": report.summary(), "file": filename},
    )
    return staged


def people_import_apply(*, actor: Person, staged) -> ImportReport:
    """Apply a checked import (validated again, in one transaction)."""
    from hifazat.orgs.models import PeopleImport

    if staged.created_by_id != actor.pk or staged.status != PeopleImport.Status.CHECKED:
        raise PermissionDenied
    report = people_import(
        actor=actor,
        data=bytes(staged.content),
        filename=staged.filename,
        org=staged.organisation,
        deactivate_missing=staged.deactivate_missing,
    )
    staged.report = report_to_json(report)
    if report.applied:
        staged.status, staged.applied_at, staged.content = (
            PeopleImport.Status.APPLIED,
            timezone.now(),
            None,
        )
    else:
        staged.status, staged.content = PeopleImport.Status.REJECTED, None
    staged.save(update_fields=["report", "status", "applied_at", "content"])
    return report
