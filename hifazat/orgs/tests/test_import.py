"""HR import: every validation rule, all-or-nothing, idempotent re-import, scope, formats."""

import io
import sys

import pytest
from django.core.management import call_command
from django.urls import reverse

from hifazat.audit.models import AuditEvent
from hifazat.orgs.imports.services import people_import
from hifazat.orgs.models import Person
from tests.factories import make_person

pytestmark = [pytest.mark.django_db]
HEADER = "employee_number,full_name,email,designation,bps_grade,organisation,track"


def row(n, **over):
    values = {
        "employee_number": f"HR-{n:04d}",
        "full_name": f"Person {n}",
        "email": f"p{n}@alpha.gov.example",
        "designation": "Assistant",
        "bps_grade": "15",
        "organisation": "DIVA",
        "track": "general",
    }
    values.update(over)
    return ",".join(
        f'"{v}"' if ("," in v or "\n" in v or "\r" in v) else v for v in values.values()
    )


def csv_bytes(*rows, header=HEADER, encoding="utf-8"):
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def run(data, actor=None, **kw):
    return people_import(actor=actor, data=data, filename="hr.csv", **kw)


@pytest.mark.smoke
def test_a_good_file_creates_people_without_usable_passwords(orgs):
    report = run(csv_bytes(row(1), row(2, track="it_admin", organisation="DEPA")))
    assert (
        report.ok
        and report.applied
        and (report.created, report.updated, report.unchanged) == (2, 0, 0)
    )
    p = Person.objects.get(employee_number="HR-0002")
    assert (
        p.track == "it_admin"
        and p.organisation.code == "DEPA"
        and p.org_path == orgs["dep_a"].path
    )
    assert not p.has_usable_password()
    event = AuditEvent.objects.get(action="people.imported")
    assert (
        event.data["created"] == ["HR-0001", "HR-0002"] and event.data["summary"]["created"] == 2
    )


@pytest.mark.parametrize(
    "override,column,message",
    [
        ({"employee_number": ""}, "employee_number", "is required"),
        ({"full_name": ""}, "full_name", "is required"),
        ({"email": ""}, "email", "is required"),
        ({"email": "not-an-address"}, "email", "not a valid e-mail"),
        ({"email": "p1@bravo.gov.example"}, "email", "e-mail domains"),
        ({"bps_grade": "0"}, "bps_grade", "1 to 22"),
        ({"bps_grade": "23"}, "bps_grade", "1 to 22"),
        ({"bps_grade": "seventeen"}, "bps_grade", "1 to 22"),
        ({"organisation": "NOPE"}, "organisation", "not a known organisation"),
        ({"track": "manager"}, "track", "general"),
        ({"full_name": "Line\nBreak"}, "full_name", "line break"),
        ({"full_name": "Line\u2028Separator"}, "full_name", "line break"),
        ({"full_name": "Bell\x07Char"}, "full_name", "control character"),
        ({"designation": "A\rB"}, "designation", "line break"),
        ({"employee_number": "HR 0001!"}, "employee_number", "letters, digits"),
        ({"full_name": "x" * 151}, "full_name", "longer than 150"),
    ],
)
def test_each_rule_names_the_row_column_and_problem(orgs, override, column, message):
    report = run(csv_bytes(row(1), row(2, **override)))
    assert not report.applied and Person.objects.count() == 0
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert message in report.errors[0].message


def test_duplicates_inside_the_file_are_named(orgs):
    report = run(
        csv_bytes(row(1), row(2, employee_number="HR-0001"), row(3, email="P1@alpha.gov.example"))
    )
    assert [(e.row, e.column, "row 2" in e.message) for e in report.errors] == [
        (3, "employee_number", True),
        (4, "email", True),
    ]


def test_organisation_outside_the_importers_subtree_is_refused(personas, orgs):
    report = run(
        csv_bytes(row(1), row(2, organisation="DIVB", email="x@bravo.gov.example")),
        actor=personas.focal_a,
    )
    assert [(e.row, e.column) for e in report.errors] == [(3, "organisation")]
    assert "outside" in report.errors[0].message
    assert not Person.objects.filter(employee_number__startswith="HR-").exists()


def test_three_bad_rows_among_twenty_change_nothing_and_are_all_named(orgs):
    rows = [row(n) for n in range(1, 21)]
    rows[4] = row(5, bps_grade="30")
    rows[9] = row(10, email="bad")
    rows[16] = row(17, organisation="ZZZ")
    report = run(csv_bytes(*rows))
    assert report.rejected == 3 and report.rows == 20
    assert [e.row for e in report.errors] == [6, 11, 18]
    assert (
        Person.objects.count() == 0
        and not AuditEvent.objects.filter(action="people.imported").exists()
    )


def test_reimporting_the_same_file_changes_nothing(orgs):
    data = csv_bytes(*[row(n) for n in range(1, 11)])
    run(data)
    before = list(Person.objects.order_by("id").values())
    report = run(data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 10)
    assert list(Person.objects.order_by("id").values()) == before


def test_upsert_by_employee_number_then_email(orgs):
    run(csv_bytes(row(1), row(2)))
    p1 = Person.objects.get(employee_number="HR-0001")
    legacy = make_person("Legacy Record", orgs["div_a"], email="legacy@alpha.gov.example")
    legacy.employee_number = None
    legacy.save()
    report = run(
        csv_bytes(
            row(1, full_name="Person One Renamed", bps_grade="16"),
            row(2),
            row(3, email="legacy@alpha.gov.example", full_name="Legacy Record"),
        )
    )
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    p1.refresh_from_db()
    legacy.refresh_from_db()
    assert p1.full_name == "Person One Renamed" and p1.bps_grade == 16
    assert legacy.employee_number == "HR-0003"
    event = AuditEvent.objects.filter(action="people.imported").latest("seq")
    assert sorted(event.data["updated"]["HR-0001"]) == ["bps_grade", "full_name"]


def test_dry_run_writes_nothing(orgs):
    report = run(csv_bytes(row(1)), dry_run=True)
    assert report.ok and report.created == 1 and not report.applied
    assert Person.objects.count() == 0


def test_deactivate_missing_counts_first_then_deactivates_only_the_subtree(orgs, personas):
    run(csv_bytes(row(1), row(2)))
    outside = personas.learner_b
    report = run(csv_bytes(row(1)), org=orgs["div_a"], deactivate_missing=True, dry_run=True)
    # HR-0002 plus the personas of ministry A's division subtree (learner, focal, head)
    assert report.to_deactivate == 4
    report = run(csv_bytes(row(1)), org=orgs["div_a"], deactivate_missing=True)
    assert report.deactivated == 4
    assert not Person.objects.get(employee_number="HR-0002").is_active
    outside.refresh_from_db()
    assert outside.is_active


def test_unknown_columns_are_warned_about_and_ignored(orgs):
    report = run(csv_bytes(row(1) + ",extra", header=HEADER + ",salary"))
    assert report.applied and "salary" in report.warnings[0]


def test_missing_required_column_is_a_file_error(orgs):
    report = run(b"employee_number,full_name\nE1,Someone\n")
    assert "missing required columns" in report.file_error and "email" in report.file_error


def test_empty_file_is_refused_clearly(orgs):
    assert run(b"").file_error == "The file is empty."
    assert "no rows" in run(csv_bytes()).file_error


def test_bom_and_semicolons_and_utf16_are_read(orgs):
    data = "\ufeff" + "\n".join([HEADER.replace(",", ";"), row(1).replace(",", ";")]) + "\n"
    assert run(data.encode("utf-8")).created == 1
    utf16 = ("\n".join([HEADER, row(2, full_name="عائشہ صدیقی")]) + "\n").encode("utf-16")
    assert run(utf16).created == 1
    assert Person.objects.get(employee_number="HR-0002").full_name == "عائشہ صدیقی"


def test_non_utf8_csv_gets_a_clear_error_or_a_named_encoding(orgs):
    data = csv_bytes(row(1, full_name="José Ferreira"), encoding="cp1252")
    report = run(data)
    assert "not in UTF-8" in report.file_error and "line 2" in report.file_error
    assert run(data, encoding="cp1252").created == 1
    assert Person.objects.get().full_name == "José Ferreira"


def test_xlsx_is_read_and_formulas_are_refused(orgs):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(
        ["HR-0001", "Xlsx Person", "x1@alpha.gov.example", "Assistant", 15, "DIVA", "general"]
    )
    sheet.append(
        [
            "HR-0002",
            '=HYPERLINK("http://evil.example","click")',
            "x2@alpha.gov.example",
            "Assistant",
            15,
            "DIVA",
            "general",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(buffer.getvalue())
    assert [(e.row, e.column) for e in report.errors] == [(3, "full_name")]
    assert "formula" in report.errors[0].message
    assert Person.objects.count() == 0
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    assert run(buffer.getvalue()).created == 1
    assert Person.objects.get().bps_grade == 15


def test_a_file_over_the_limit_is_refused_with_its_size(orgs, settings):
    big = csv_bytes(row(1)) + b"#" * (50 * 1024 * 1024)
    report = run(big)
    assert "50.0 MB" in report.file_error and "limit is 20 MB" in report.file_error


def test_command_line_exit_codes_and_report(orgs, tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(row(1), row(2)))
    bad.write_bytes(csv_bytes(row(3), row(4, bps_grade="40")))
    call_command("import_people", str(good), "--dry-run")
    assert Person.objects.count() == 0
    call_command("import_people", str(good))
    assert Person.objects.count() == 2
    with pytest.raises(SystemExit) as exc:
        call_command("import_people", str(bad))
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert (
        "1 of 2 rows rejected; nothing was imported" in out
        and "bps_grade" in out
        and "   3  " in out
    )


def test_command_line_deactivate_missing_asks_first(orgs, tmp_path, monkeypatch, capsys):
    run(csv_bytes(row(1), row(2)))
    f = tmp_path / "one.csv"
    f.write_bytes(csv_bytes(row(1)))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(SystemExit):
        call_command("import_people", str(f), "--org", "DIVA", "--deactivate-missing")
    assert "1 active people of DIVA and below are not in the file" in capsys.readouterr().out
    assert Person.objects.get(employee_number="HR-0002").is_active
    call_command("import_people", str(f), "--org", "DIVA", "--deactivate-missing", "--yes")
    assert not Person.objects.get(employee_number="HR-0002").is_active


def test_web_import_checks_reports_and_applies(personas, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_as(personas.focal_a)
    bad = SimpleUploadedFile(
        "hr.csv", csv_bytes(row(1), row(2, bps_grade="99")), content_type="text/csv"
    )
    response = c.post(reverse("orgs:import"), {"file": bad, "organisation": "DIVA"})
    assert response.status_code == 302
    page = c.get(response["Location"]).content.decode()
    assert "must be a whole number from 1 to 22" in page and "Import now" not in page
    good = SimpleUploadedFile("hr.csv", csv_bytes(row(1), row(2)), content_type="text/csv")
    detail = c.post(reverse("orgs:import"), {"file": good, "organisation": "DIVA"})["Location"]
    assert "Import now" in c.get(detail).content.decode()
    assert Person.objects.filter(employee_number__startswith="HR-").count() == 0
    c.post(detail + "apply/")
    assert Person.objects.filter(employee_number__startswith="HR-").count() == 2
    # someone else cannot open or apply that import
    other = client_as(personas.focal_b)
    assert other.get(detail).status_code == 404
    assert other.post(detail + "apply/").status_code == 404


def test_web_deactivation_needs_confirmation(personas, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_as(personas.focal_a)
    f = SimpleUploadedFile("hr.csv", csv_bytes(row(1)), content_type="text/csv")
    detail = c.post(
        reverse("orgs:import"), {"file": f, "organisation": "DIVA", "deactivate_missing": "on"}
    )["Location"]
    page = c.get(detail).content.decode()
    assert "Also deactivate 2 people" in page  # the learner and the head; never the importer
    c.post(detail + "apply/")
    personas.learner_a.refresh_from_db()
    assert personas.learner_a.is_active
    c.post(detail + "apply/", {"confirm_deactivation": "yes"})
    personas.learner_a.refresh_from_db()
    assert not personas.learner_a.is_active


def test_web_upload_over_the_limit_is_refused(personas, client_as, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_BYTES = 1024
    f = SimpleUploadedFile(
        "hr.csv", csv_bytes(*[row(n) for n in range(100)]), content_type="text/csv"
    )
    page = client_as(personas.focal_a).post(reverse("orgs:import"), {"file": f}).content.decode()
    assert "the limit is 0 MB" in page  # 1024 bytes, shown in whole MB
    from hifazat.orgs.models import PeopleImport

    assert not PeopleImport.objects.exists()  # refused before it was checked or stored


def test_learner_cannot_import(personas, client_as):
    assert client_as(personas.learner_a).get(reverse("orgs:import")).status_code == 404


def test_template_downloads(personas, client_as):
    c = client_as(personas.focal_a)
    text = c.get(reverse("orgs:import_template", args=["csv"])).content.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    xlsx = c.get(reverse("orgs:import_template", args=["xlsx"]))
    assert xlsx.content[:2] == b"PK"


def test_imported_people_sign_in_through_a_reset_link(orgs):
    import re

    from django.core import mail
    from django.test import Client

    run(csv_bytes(row(1)))
    Client().post(reverse("account_reset_password"), {"email": "p1@alpha.gov.example"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(
        0
    )
    c = Client()
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_url = c.get(path, follow=True).redirect_chain[-1][0]
    c.post(
        form_url, {"password1": "brass-monsoon-ledger-31", "password2": "brass-monsoon-ledger-31"}
    )
    assert Person.objects.get(employee_number="HR-0001").check_password("brass-monsoon-ledger-31")
