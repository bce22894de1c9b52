"""People exports: the viewer's scope only, formulas neutralised, every export audited."""

import csv
import io

import pytest
from django.urls import reverse

from hifazat.audit.models import AuditEvent
from hifazat.lib.spreadsheets import safe_cell
from tests.factories import make_person

pytestmark = [pytest.mark.django_db]
SENTINEL = "SENTINEL-B-7Q"


def export_csv(client, query=""):
    response = client.get(reverse("orgs:people_export", args=["csv"]) + query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("plain") == "plain" and safe_cell(15) == 15


def test_focal_person_exports_only_their_subtree(personas, client_as):
    rows = export_csv(client_as(personas.focal_a))
    assert rows[0][:3] == ["employee_number", "full_name", "email"]
    names = {r[1] for r in rows[1:]}
    assert {"Amna Learner", "Faisal Focal", "Hamid Head"} <= names
    assert not any(SENTINEL in cell for r in rows for cell in r)
    event = AuditEvent.objects.get(action="people.exported")
    assert (
        event.actor == personas.focal_a
        and event.data["rows"] == 3
        and event.data["format"] == "csv"
    )


def test_export_of_another_ministrys_organisation_is_404(personas, client_as):
    response = client_as(personas.focal_a).get(
        reverse("orgs:people_export", args=["csv"]) + "?org=DIVB"
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="people.exported").exists()


def test_learner_cannot_export(personas, client_as):
    assert (
        client_as(personas.learner_a).get(reverse("orgs:people_export", args=["csv"])).status_code
        == 404
    )


def test_csv_and_xlsx_neutralise_formulas(personas, orgs, client_as):
    from openpyxl import load_workbook

    make_person('=HYPERLINK("http://evil.example","x")', orgs["div_a"], designation="@cmd")
    rows = export_csv(client_as(personas.focal_a), "?q=HYPERLINK")
    assert rows[1][1].startswith("'=HYPERLINK") and rows[1][3] == "'@cmd"
    response = client_as(personas.focal_a).get(
        reverse("orgs:people_export", args=["xlsx"]) + "?q=HYPERLINK"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")
