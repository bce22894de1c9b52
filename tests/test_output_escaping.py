"""A payload corpus planted in every name field renders as text on every page."""

import html

import pytest
from django.urls import reverse

from hifazat.audit.services import audit_record
from hifazat.orgs.roles import Role
from tests.factories import XSS_PAYLOADS, make_org, make_person, make_totp

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payloads_in_names_render_as_text(payload, client_as):
    ministry = make_org("XSSM", f"Ministry {payload}", "ministry", domains=["xss.gov.example"])
    division = make_org(
        "XSSD", f"Division {payload}", "division", parent=ministry, domains=["xss.gov.example"]
    )
    viewer = make_person(f"Admin {payload}", ministry, role=(Role.PLATFORM_ADMIN, None))
    make_totp(viewer)
    focal = make_person(
        f"Focal {payload}", division, role=(Role.FOCAL_PERSON, division), designation=payload
    )
    target = make_person(payload, division, designation=payload)
    audit_record(actor=viewer, action="test.payload", obj=target, data={"note": payload})
    c = client_as(viewer)
    pages = [
        reverse("core:home"),
        reverse("orgs:organisations"),
        reverse("orgs:organisations") + "?q=" + "Division",
        reverse("orgs:organisation", args=["XSSM"]),
        reverse("orgs:organisation", args=["XSSD"]),
        reverse("orgs:people") + "?active=all",
        reverse("orgs:person", args=[target.pk]),
        reverse("orgs:person", args=[focal.pk]),
        reverse("audit:list"),
    ]
    for url in pages:
        response = c.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        if html.escape(payload) == payload:  # plain text such as "javascript:…"
            assert f'href="{payload}' not in body and f'src="{payload}' not in body, url
        else:
            assert payload not in body, f"raw payload on {url}"
        assert html.escape(payload) in body or html.escape(payload, quote=False) in body, (
            f"payload missing on {url}"
        )
