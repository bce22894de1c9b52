"""English and Urdu: catalogs compiled and complete, right-to-left pages, a safe language switch."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.smoke]

CATALOGS = [Path(p) / "ur" / "LC_MESSAGES" / "django.po" for p in settings.LOCALE_PATHS]


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parent.parent.parent.name)
def test_urdu_catalog_is_complete_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()][:10]
    assert not po.fuzzy_entries()
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo
    }
    for entry in po.translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == (
            entry.msgstr,
            tuple(sorted(entry.msgstr_plural.items())),
        ), f"django.mo is out of date for {entry.msgid!r}: run `make messages`"


@pytest.mark.django_db
def test_urdu_pages_are_right_to_left_and_translated(personas, client_as):
    c = client_as(personas.focal_a)
    response = c.post("/i18n/setlang/", {"language": "ur", "next": "/organisations/"})
    assert response.status_code == 302 and response["Location"] == "/organisations/"
    body = c.get("/organisations/").content.decode()
    assert '<html lang="ur" dir="rtl">' in body
    assert "bootstrap.rtl.min.css" in body and "noto-naskh-arabic" in body
    assert "ادارے" in body  # "Organisations"
    personas.focal_a.refresh_from_db()
    assert personas.focal_a.preferred_language == "ur"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "//\t/evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "///evil.example",
    ],
)
def test_language_switch_never_redirects_off_site(target):
    response = Client().post("/i18n/setlang/", {"language": "ur", "next": target})
    assert response.status_code == 302
    location = response["Location"]
    assert location == "/" or (
        location.startswith("/") and not location.startswith("//") and "evil" not in location
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "//\t/evil.example", "/\\evil.example"]
)
def test_sign_in_next_never_leaves_the_site(target, orgs):
    from tests.factories import make_person

    make_person(
        "Nadia Next",
        orgs["min_a"],
        email="nadia@alpha.gov.example",
        password="quiet-river-lantern-47",
    )
    response = Client().post(
        "/accounts/login/?next=" + target,
        {"login": "nadia@alpha.gov.example", "password": "quiet-river-lantern-47"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
