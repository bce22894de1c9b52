"""CSAF 2.0 export: every kind under every TLP label validates (schema + mandatory tests, the
``csaf`` package, offline); the profile follows the kind; TLP 2.0 maps onto CSAF 2.0's labels;
parts with a stricter label never reach the file; revisions build the revision history; the
file name follows §5.1; and every advisory of the demo data exports valid CSAF."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from hifazat.advisories import fields, services
from hifazat.advisories.exchange.csaf import (
    csaf_bytes,
    csaf_document,
    csaf_filename,
    validate_csaf,
    version_branch,
)
from hifazat.advisories.models import Advisory, Revision
from hifazat.advisories.tests.conftest import MEASURES, publish
from tests.factories import make_person

pytestmark = [pytest.mark.django_db]

KINDS = ["threat", "vulnerability", "incident", "hardening", "directive"]
LABELS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
PROFILE = {
    "threat": "csaf_base",
    "directive": "csaf_base",
    "vulnerability": "csaf_security_advisory",
    "incident": "csaf_security_incident_response",
    "hardening": "csaf_informational_advisory",
}
CSAF_LABEL = {"CLEAR": "WHITE", "GREEN": "GREEN", "AMBER": "AMBER", "AMBER+STRICT": "RED"}
CSAF_LABEL["RED"] = "RED"
V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
SECRET_IP = "192.0.2.44"  # carries its own TLP:RED label in every advisory below RED


def _parsed(parser, text):
    result = parser(text)
    assert not result.errors, result.errors
    return result.items


def vulnerability_parts():
    return {
        "vulnerabilities": _parsed(
            fields.parse_vulnerabilities,
            f"CVE-2026-90001 {V31} {V40} kev\n"
            "CVE-2026-90002 CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
        ),
        "products": _parsed(
            fields.parse_products,
            "Contoso | SecureGate SSL VPN | 7.2.0 to 7.2.8\n"
            "Contoso | SecureGate SSL VPN | 7.4.1\n"
            "Contoso | SecureGate Manager |\n"
            "Fabrikam | Mail Server | 5.x and 6.0.0 to 6.2.0",
        ),
        "references": _parsed(
            fields.parse_references,
            "https://vendor.example/psirt/2026-001 Vendor security bulletin",
        ),
    }


def make(issuer, kind="threat", tlp="GREEN", *, people=(), indicators=None, **parts):
    """A draft of any kind: ``parts`` adds vulnerabilities, products or references."""
    now = timezone.now()
    red = tlp == "RED"
    advisory = Advisory(
        issuer=issuer["org"],
        title=f"Cyber Security Advisory – {kind.title()} test ({tlp})",
        kind=kind,
        severity=Advisory.Severity.HIGH,
        tlp=tlp,
        reference_no="No. 1-2/2026-NTISB",
        summary="Attackers send e-mails that imitate e-Office password-expiry notices.",
        background="The pages collect **passwords**.\n\n- one\n- two [vendor](https://vendor.example/)",
        audience=Advisory.Audience.PEOPLE if red else Advisory.Audience.ALL,
        ack_due=now + timedelta(days=2),
        act_due=now + timedelta(days=10),
    )
    if indicators is None:
        indicators = [
            {"type": "domain", "value": "eoffice-reset.example", "description": "landing page"},
            {"type": "url", "value": "https://eoffice-reset.example/login", "description": ""},
        ]
        if not red:
            indicators.append(
                {"type": "ipv4", "value": SECRET_IP, "description": "mail server", "tlp": "RED"}
            )
    return services.advisory_save(
        actor=issuer["author"],
        advisory=advisory,
        parts=services.Parts(
            measures=MEASURES,
            indicators=[{"tlp": "", **i} for i in indicators],
            vulnerabilities=parts.get("vulnerabilities", []),
            products=parts.get("products", []),
            references=parts.get("references", []),
        ),
        people=people,
    )


def build(issuer, orgs, kind, tlp):
    people = [make_person("Nasir Named", orgs["min_b"])] if tlp == "RED" else ()
    parts = {}
    if kind == "vulnerability":
        parts = vulnerability_parts()
    elif kind in ("hardening", "incident"):
        parts = {
            "references": _parsed(
                fields.parse_references, "https://www.cisa.gov/secure-our-world Guidance"
            )
        }
    return publish(issuer, make(issuer, kind, tlp, people=people, **parts))


def assert_profile(doc):
    """The profile rules of CSAF 2.0 §4 / test 6.1.27, checked here as the spec states them."""
    document = doc["document"]
    category = document["category"]
    notes = {n["category"] for n in document.get("notes", [])}
    external = [r for r in document.get("references", []) if r["category"] == "external"]
    if category in ("csaf_security_incident_response", "csaf_informational_advisory"):
        assert notes & {"description", "details", "general", "summary"}
        assert external
    if category == "csaf_informational_advisory":
        assert "vulnerabilities" not in doc
    if category == "csaf_security_advisory":
        assert doc["product_tree"]
        assert doc["vulnerabilities"]
        for v in doc["vulnerabilities"]:
            assert v["notes"] and v["product_status"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("tlp", LABELS)
def test_every_kind_and_label_exports_valid_csaf(issuer, orgs, kind, tlp):
    advisory = build(issuer, orgs, kind, tlp)
    doc = csaf_document(advisory.live)
    assert validate_csaf(doc) == []
    assert_profile(doc)
    document = doc["document"]
    assert document["category"] == PROFILE[kind]
    assert document["csaf_version"] == "2.0"
    assert document["lang"] == "en"
    assert document["title"] == advisory.title
    assert document["publisher"]["category"] == "coordinator"
    assert document["publisher"]["name"] == issuer["org"].name
    assert document["distribution"]["tlp"] == {
        "label": CSAF_LABEL[tlp],
        "url": "https://www.first.org/tlp/",
    }
    assert document["aggregate_severity"] == {"text": "High"}
    tracking = document["tracking"]
    assert tracking["id"] == advisory.tracking_id
    assert (tracking["status"], tracking["version"]) == ("final", "1")
    assert "No. 1-2/2026-NTISB" in tracking["aliases"]
    notes = {n["title"]: n for n in document["notes"]}
    assert notes["Summary"]["category"] == "summary"
    assert "The pages collect passwords." in notes["Background"]["text"]  # Markdown → text
    assert "**" not in notes["Background"]["text"]
    assert (
        "1. Block the listed indicators at the gateway." in notes["Recommended measures"]["text"]
    )
    assert "eoffice-reset[.]example" in notes["Indicators of compromise"]["text"]
    self_refs = [r for r in document["references"] if r["category"] == "self"]
    assert [r["url"] for r in self_refs] == [
        f"{_site()}/advisories/{advisory.pk}/csaf/{csaf_filename(advisory.tracking_id)}"
    ]

    # the published bytes: sorted keys, the same document, no stricter part anywhere
    data = csaf_bytes(advisory.live)
    assert json.loads(data) == doc
    assert data.decode() == json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False)
    assert SECRET_IP not in data.decode() and "192[.]0[.]2[.]44" not in data.decode()
    if kind != "vulnerability":
        assert "vulnerabilities" not in doc and "product_tree" not in doc


def _site():
    from django.conf import settings

    return settings.SITE_URL.rstrip("/")


def test_tlp_mapping(issuer, orgs):
    docs = {tlp: csaf_document(build(issuer, orgs, "threat", tlp).live) for tlp in LABELS}
    dist = {tlp: d["document"]["distribution"] for tlp, d in docs.items()}
    assert dist["CLEAR"] == {"tlp": {"label": "WHITE", "url": "https://www.first.org/tlp/"}}
    assert dist["GREEN"]["tlp"]["label"] == "GREEN"
    assert dist["AMBER"]["tlp"]["label"] == "AMBER"
    assert dist["AMBER+STRICT"] == {
        "text": "TLP v2.0: TLP:AMBER+STRICT",
        "tlp": {"label": "RED", "url": "https://www.first.org/tlp/"},
    }
    assert dist["RED"] == {"tlp": {"label": "RED", "url": "https://www.first.org/tlp/"}}
    assert all("text" not in d for tlp, d in dist.items() if tlp != "AMBER+STRICT")
    # TLP 2.0's CLEAR is not a CSAF 2.0 label: the schema refuses it
    docs["CLEAR"]["document"]["distribution"]["tlp"]["label"] = "CLEAR"
    assert any("schema" in f for f in validate_csaf(docs["CLEAR"]))


def test_stricter_parts_are_left_out(issuer):
    indicators = [
        {"type": "domain", "value": "shared.example", "description": "shared"},
        {"type": "domain", "value": "strict-only.example", "tlp": "AMBER+STRICT"},
        {"type": "sha256", "value": "a" * 64, "description": "named people only", "tlp": "RED"},
        {"type": "ipv4", "value": "198.51.100.7", "tlp": "AMBER"},  # the advisory's own label
    ]
    advisory = publish(issuer, make(issuer, "incident", "AMBER", indicators=indicators))
    text = csaf_bytes(advisory.live).decode()
    assert "shared[.]example" in text
    assert "198[.]51[.]100[.]7" in text
    for secret in ("strict-only", "a" * 64, "named people only"):
        assert secret not in text
    # the snapshot still has them (the portal shows them to those allowed)
    assert len(advisory.live.snapshot["indicators"]) == 4


def test_vulnerability_advisory_content(issuer, orgs):
    advisory = build(issuer, orgs, "vulnerability", "AMBER")
    doc = csaf_document(advisory.live)
    assert validate_csaf(doc) == []

    # product tree: vendor → product name → version (range), ids CSAFPID-0001…
    vendors = {b["name"]: b for b in doc["product_tree"]["branches"]}
    assert set(vendors) == {"Contoso", "Fabrikam"}
    assert all(b["category"] == "vendor" for b in vendors.values())
    contoso = {b["name"]: b for b in vendors["Contoso"]["branches"]}
    vpn = contoso["SecureGate SSL VPN"]
    assert vpn["category"] == "product_name"
    assert [(b["category"], b["name"], b["product"]["product_id"]) for b in vpn["branches"]] == [
        ("product_version_range", "vers:generic/>=7.2.0|<=7.2.8", "CSAFPID-0001"),
        ("product_version", "7.4.1", "CSAFPID-0002"),
    ]
    assert vpn["branches"][0]["product"]["name"] == "Contoso SecureGate SSL VPN 7.2.0 to 7.2.8"
    assert contoso["SecureGate Manager"]["product"] == {
        "name": "Contoso SecureGate Manager",
        "product_id": "CSAFPID-0003",
    }
    fabrikam = vendors["Fabrikam"]["branches"][0]["branches"][0]
    assert fabrikam["category"] == "product_version_range"
    assert fabrikam["name"] == "5.x and 6.0.0 to 6.2.0"  # not vers-expressible: kept as typed
    ids = ["CSAFPID-0001", "CSAFPID-0002", "CSAFPID-0003", "CSAFPID-0004"]

    vulns = {v["cve"]: v for v in doc["vulnerabilities"]}
    assert set(vulns) == {"CVE-2026-90001", "CVE-2026-90002"}
    first, second = vulns["CVE-2026-90001"], vulns["CVE-2026-90002"]
    for v in (first, second):
        assert v["product_status"] == {"known_affected": ids}
        assert v["notes"][0]["category"] == "description"
        assert [r["details"][:10] for r in v["remediations"]] == [
            "Measure 1:",
            "Measure 2:",
            "Measure 3:",
        ]
        assert all(r["product_ids"] == ids for r in v["remediations"])
        assert {r["category"] for r in v["remediations"]} <= {"mitigation", "vendor_fix"}
    cvss = first["scores"][0]["cvss_v3"]
    assert first["scores"][0]["products"] == ids
    assert cvss["version"] == "3.1"
    assert cvss["vectorString"] == V31
    assert (cvss["baseScore"], cvss["baseSeverity"]) == (9.8, "CRITICAL")
    assert second["scores"][0]["cvss_v3"]["baseScore"] == 5.4
    assert (
        f"CVSS v4.0 base score 9.3, {V40}" in first["notes"][0]["text"]
    )  # CSAF 2.0 has no v4 field
    assert first["threats"][0]["category"] == "exploit_status"
    assert "threats" not in second
    assert {r["url"] for r in doc["document"]["references"]} >= {
        "https://vendor.example/psirt/2026-001"
    }


def test_vulnerability_advisory_without_products_falls_back_to_base(issuer):
    parts = vulnerability_parts()
    parts["products"] = []
    advisory = publish(issuer, make(issuer, "vulnerability", "GREEN", **parts))
    doc = csaf_document(advisory.live)
    assert validate_csaf(doc) == []
    assert doc["document"]["category"] == "csaf_base"
    assert "product_tree" not in doc
    assert [v["cve"] for v in doc["vulnerabilities"]] == ["CVE-2026-90001", "CVE-2026-90002"]
    assert all("scores" not in v and "product_status" not in v for v in doc["vulnerabilities"])


def test_hardening_never_carries_vulnerabilities(issuer):
    parts = vulnerability_parts()
    advisory = publish(issuer, make(issuer, "hardening", "CLEAR", **parts))
    doc = csaf_document(advisory.live)
    assert validate_csaf(doc) == []
    assert_profile(doc)
    related = [n for n in doc["document"]["notes"] if n["title"] == "Related vulnerabilities"]
    assert "CVE-2026-90001" in related[0]["text"]


def test_revision_history(issuer):
    advisory = publish(issuer, make(issuer, "threat", "GREEN"))
    first = advisory.live
    services.advisory_start_revision(
        actor=issuer["author"], advisory=advisory, note="Added a second landing page."
    )
    advisory = Advisory.objects.get(pk=advisory.pk)
    advisory.summary = "The campaign now also uses a second landing page."
    services.advisory_save(
        actor=issuer["author"],
        advisory=advisory,
        parts=services.Parts(
            measures=MEASURES,
            indicators=[
                {"type": "domain", "value": "eoffice-reset.example", "tlp": ""},
                {"type": "domain", "value": "eoffice-renew.example", "tlp": ""},
            ],
            vulnerabilities=[],
            products=[],
            references=[],
        ),
    )
    advisory = publish(issuer, advisory)
    second = advisory.live
    assert second.number == 2

    doc = csaf_document(second)
    assert validate_csaf(doc) == []
    tracking = doc["document"]["tracking"]
    history = tracking["revision_history"]
    assert [h["number"] for h in history] == ["1", "2"]
    assert [h["summary"] for h in history] == ["Initial release.", "Added a second landing page."]
    assert tracking["version"] == "2"
    assert tracking["initial_release_date"] == history[0]["date"]
    assert tracking["current_release_date"] == history[1]["date"]
    assert history[0]["date"] <= history[1]["date"]
    assert "eoffice-renew[.]example" in csaf_bytes(second).decode()

    # the first revision's file stays what it was: its own history only
    old = csaf_document(Revision.objects.get(pk=first.pk))
    assert validate_csaf(old) == []
    assert old["document"]["tracking"]["version"] == "1"
    assert [h["number"] for h in old["document"]["tracking"]["revision_history"]] == ["1"]
    assert "eoffice-renew" not in json.dumps(old)
    assert old["document"]["tracking"]["initial_release_date"] == tracking["initial_release_date"]


def test_filename_rule():
    assert csaf_filename("NTISB-ADV-2025/064") == "ntisb-adv-2025_064.json"
    assert csaf_filename("NTISB-ADV-2026-012") == "ntisb-adv-2026-012.json"
    assert csaf_filename("PKCERT ADV: 2026 // 7+x") == "pkcert_adv_2026_7+x.json"
    assert csaf_filename("Example Company - 2019-YH3234") == "example_company_-_2019-yh3234.json"


def test_version_branches():
    assert version_branch("7.2.0") == ("product_version", "7.2.0")
    assert version_branch("before 48.2.1") == ("product_version_range", "vers:generic/<48.2.1")
    assert version_branch("firmware before 3.6.4") == (
        "product_version_range",
        "vers:generic/<3.6.4",
    )
    assert version_branch("9.4 before 9.4.12") == (
        "product_version_range",
        "vers:generic/>=9.4|<9.4.12",
    )
    assert version_branch("11.x (all versions)") == (
        "product_version_range",
        "11.x (all versions)",
    )


def test_validator_reports_failures_readably(issuer, orgs):
    doc = csaf_document(build(issuer, orgs, "vulnerability", "GREEN").live)
    doc["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = 5.0  # 9.8 by its vector
    doc["vulnerabilities"][1]["product_status"]["known_affected"].append("CSAFPID-9999")
    failures = validate_csaf(doc)
    assert any(f.startswith("6.1.9 ") for f in failures), failures
    assert any(f.startswith("6.1.1 ") and "CSAFPID-9999" in f for f in failures), failures


def test_importing_the_validator_leaves_logging_alone():
    """``import csaf`` calls logging.basicConfig: the export must not add a root handler."""
    code = (
        "import logging, django; django.setup();"
        "root = logging.getLogger(); before = (list(root.handlers), root.level);"
        "from hifazat.advisories.exchange.csaf import validate_csaf;"
        "validate_csaf({'document': {}});"
        "assert (list(root.handlers), root.level) == before, (root.handlers, root.level)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**_env(), "DJANGO_SETTINGS_MODULE": "hifazat.settings"},
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _env():
    import os

    return dict(os.environ)


def test_demo_advisories_export_valid_csaf(settings):
    """Every advisory of the demo data (60, every kind and label) exports valid CSAF 2.0."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    from hifazat.demo import generator
    from hifazat.demo.advisories import load_advisories

    generator.load_organisations()
    generator.load_accounts()
    assert load_advisories() == 60
    # the history's reminders count as sent: a first worker round mails nothing old
    from django.core import mail

    from hifazat.advisories.tasks import send_deadline_notices

    assert send_deadline_notices.call() == 0 and not mail.outbox
    failures, kinds, extended = {}, {}, set()
    for advisory in Advisory.objects.select_related("live"):
        doc = csaf_document(advisory.live)
        assert_profile(doc)
        problems = validate_csaf(doc)
        if problems:
            failures[advisory.tracking_id] = problems
        # recommended tests (6.2.x): only the known gaps — the self URL is not
        # https://…/<filename> (6.2.11), products carry no CPE/PURL (6.2.16), and a few
        # ranges stay in the author's words instead of vers (6.2.18); sorting etc. pass
        extended |= {f.split(" ", 1)[0] for f in validate_csaf(doc, preset="extended")}
        kinds.setdefault(doc["document"]["category"], 0)
        kinds[doc["document"]["category"]] += 1
        text = json.dumps(doc)
        snap = advisory.live.snapshot
        for indicator in snap["indicators"]:
            if indicator["tlp"] and indicator["tlp"] != snap["tlp"]:
                assert indicator["value"] not in text and indicator["defanged"] not in text
    assert failures == {}
    assert extended <= {"6.2.11", "6.2.16", "6.2.18"}, extended
    assert sum(kinds.values()) == 60
    assert kinds == {
        "csaf_security_advisory": 20,
        "csaf_base": 24,
        "csaf_informational_advisory": 10,
        "csaf_security_incident_response": 6,
    }
