"""STIX 2.1 export and Atom feeds: every bundle passes stix2-validator, TLP 2.0 markings are the
OASIS objects, parts are filtered by the TLP policy; the public feed carries TLP:CLEAR only and
the personal feed CLEAR and GREEN titles only, never AMBER and above."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone
from stix2patterns.validator import validate as validate_pattern
from stix2validator import ValidationOptions, validate_instance

from hifazat.advisories import policy, services
from hifazat.advisories.exchange import feeds, stix
from hifazat.advisories.models import Advisory, FeedToken
from hifazat.advisories.tests.conftest import MEASURES, draft, publish
from hifazat.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db]

ATOM = "{http://www.w3.org/2005/Atom}"
EXT = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
# Copied from oasis-open/cti-stix-common-objects, extension-definition-specifications/tlp-2.0.
OASIS_TLP2 = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": ("TLP:CLEAR", "clear"),
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": ("TLP:GREEN", "green"),
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": ("TLP:AMBER", "amber"),
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": (
        "TLP:AMBER+STRICT",
        "amber+strict",
    ),
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": ("TLP:RED", "red"),
}
RED_MARKING = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
TLPS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
KINDS = [k.value for k in Advisory.Kind]
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
VULNERABILITIES = [
    {
        "cve": "CVE-2024-3400",
        "cvss_v31": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
        "score_v31": Decimal("10.0"),
        "severity": "critical",
        "kev": True,
    },
    {"cve": "CVE-2023-4966", "severity": "high"},
]


def all_indicators(tlp):
    """One indicator of every type; a stricter label on two of them where one exists."""
    red = "RED" if tlp != "RED" else ""
    amber = "AMBER" if tlp in ("CLEAR", "GREEN") else ""
    return [
        {"type": "ipv4", "value": "192.0.2.44", "description": "mail server", "tlp": red},
        {"type": "ipv6", "value": "2001:db8::44", "description": "", "tlp": ""},
        {"type": "domain", "value": "eoffice-reset.example", "description": "lure", "tlp": ""},
        {
            "type": "url",
            "value": "https://eoffice-reset.example/login?u=o'brien&x=a\\b",
            "description": "landing page",
            "tlp": amber,
        },
        {"type": "email", "value": "helpdesk@eoffice-reset.example", "description": "", "tlp": ""},
        {"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "description": "", "tlp": ""},
        {
            "type": "sha1",
            "value": "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "description": "",
            "tlp": "",
        },
        {"type": "sha256", "value": SHA256, "description": "dropper", "tlp": ""},
        {"type": "filename", "value": "Salary slip's.pdf.exe", "description": "", "tlp": ""},
        {"type": "phone", "value": "+92 300 1234567", "description": "caller", "tlp": ""},
        {"type": "app", "value": "com.example.fakeoffice", "description": "", "tlp": ""},
    ]


def make_advisory(
    issuer,
    orgs,
    personas,
    *,
    tlp,
    kind=Advisory.Kind.THREAT,
    title=None,
    indicators=None,
    vulnerabilities=(),
):
    """A published advisory: RED to focal_a by name, AMBER(+STRICT) to DIVA, others to all."""
    now = timezone.now()
    audience, organisations, people = Advisory.Audience.ALL, (), ()
    if tlp == "RED":
        audience, people = Advisory.Audience.PEOPLE, [personas.focal_a]
    elif tlp in ("AMBER", "AMBER+STRICT"):
        audience, organisations = Advisory.Audience.ORGANISATIONS, [orgs["div_a"]]
    advisory = Advisory(
        issuer=issuer["org"],
        title=title or f"{kind} advisory at TLP {tlp}",
        kind=kind,
        severity=Advisory.Severity.HIGH,
        tlp=tlp,
        summary=f"Summary of the {kind} advisory at {tlp}.",
        background="Background.",
        audience=audience,
        ack_due=now + timedelta(days=2),
        act_due=now + timedelta(days=10),
    )
    parts = services.Parts(
        measures=MEASURES,
        indicators=all_indicators(tlp) if indicators is None else indicators,
        vulnerabilities=list(vulnerabilities),
        products=[],
        references=[{"url": "https://vendor.example/psa", "summary": "Vendor notice"}],
    )
    services.advisory_save(
        actor=issuer["author"],
        advisory=advisory,
        parts=parts,
        organisations=organisations,
        people=people,
    )
    return publish(issuer, advisory)


def assert_valid(bundle):
    """No errors; and none either with every SHOULD check turned into an error, except two
    recommendations knowingly not followed: UUIDv4 ids (the ids are deterministic UUIDv5s) and
    hashes of the web pages that external references link to (not known)."""
    default = validate_instance(bundle, ValidationOptions(version="2.1"))
    assert default.is_valid and not default.errors, [e.message for e in default.errors]
    assert all("UUIDv4" in w or "has a URL but no hash" in w for w in default.warnings), (
        default.warnings
    )
    strict = validate_instance(
        bundle,
        ValidationOptions(
            version="2.1",
            strict=True,
            strict_types=True,
            strict_properties=True,
            enforce_refs=True,
            disabled="uuid-check,extref-hashes",
        ),
    )
    assert strict.is_valid, [e.message for e in strict.errors]


def assert_closed(bundle):
    """Every reference resolves inside the bundle and every object carries a TLP 2.0 marking."""
    ids = {o["id"] for o in bundle["objects"]}
    assert len(ids) == len(bundle["objects"])
    for o in bundle["objects"]:
        refs = [*o.get("object_refs", []), *o.get("object_marking_refs", [])]
        refs += [o[k] for k in ("created_by_ref", "source_ref", "target_ref") if k in o]
        assert set(refs) <= ids, o["id"]
        if o["type"] != "marking-definition":
            assert o["object_marking_refs"], o["id"]
            assert set(o["object_marking_refs"]) <= set(OASIS_TLP2), o["id"]


def by_type(bundle, kind):
    return [o for o in bundle["objects"] if o["type"] == kind]


# --- STIX ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("tlp", TLPS)
def test_every_bundle_validates(issuer, orgs, personas, tlp, kind):
    vulns = VULNERABILITIES if kind in ("vulnerability", "threat") else ()
    advisory = make_advisory(issuer, orgs, personas, tlp=tlp, kind=kind, vulnerabilities=vulns)
    reader = personas.focal_a  # a recipient at every level (named for RED)
    assert policy.can_view(reader, advisory)
    for user in (issuer["author"], reader):
        bundle = stix.stix_bundle(advisory.live, user)
        assert_valid(bundle)
        assert_closed(bundle)
        report = by_type(bundle, "report")[0]
        assert report["name"] == advisory.title
        assert report["object_marking_refs"] == [stix.TLP_MARKING_IDS[tlp]]
        assert set(report["object_refs"]) == {
            o["id"] for o in bundle["objects"] if o["type"] not in ("report", "marking-definition")
        }
        assert len(by_type(bundle, "course-of-action")) == len(MEASURES)
        assert len(by_type(bundle, "vulnerability")) == len(vulns)
        # phone numbers have no STIX observable: 10 of the 11 indicator types are exported
        # (for the reader, less those labelled RED unless the advisory itself is RED)
        expected = 10 if user == issuer["author"] or tlp == "RED" else 9
        assert len(by_type(bundle, "indicator")) == expected
        targets = {r["target_ref"].split("--")[0] for r in by_type(bundle, "relationship")}
        assert targets == ({"vulnerability"} if kind == "vulnerability" else {"indicator"})
        assert all(r["relationship_type"] == "mitigates" for r in by_type(bundle, "relationship"))


def test_vulnerability_objects_reference_the_cve(issuer, orgs, personas):
    advisory = make_advisory(
        issuer, orgs, personas, tlp="CLEAR", kind="vulnerability", vulnerabilities=VULNERABILITIES
    )
    bundle = stix.stix_bundle(advisory.live, AnonymousUser())
    assert_valid(bundle)
    vulns = {v["name"]: v for v in by_type(bundle, "vulnerability")}
    assert set(vulns) == {"CVE-2024-3400", "CVE-2023-4966"}
    assert vulns["CVE-2024-3400"]["external_references"] == [
        {"source_name": "cve", "external_id": "CVE-2024-3400"}
    ]
    assert "CVSS v3.1 CVSS:3.1/AV:N" in vulns["CVE-2024-3400"]["description"]
    assert vulns["CVE-2024-3400"]["labels"] == ["known-exploited"]
    relationships = by_type(bundle, "relationship")
    assert len(relationships) == len(MEASURES) * 2
    assert {r["source_ref"] for r in relationships} == {
        c["id"] for c in by_type(bundle, "course-of-action")
    }
    assert by_type(bundle, "report")[0]["report_types"] == ["vulnerability", "indicator"]


def test_markings_are_exactly_the_oasis_tlp2_objects(issuer, orgs, personas):
    seen = set()
    for tlp in TLPS:
        advisory = make_advisory(issuer, orgs, personas, tlp=tlp, title=f"Markings {tlp}")
        bundle = stix.stix_bundle(advisory.live, issuer["author"])
        markings = by_type(bundle, "marking-definition")
        for m in markings:
            name, value = OASIS_TLP2[m["id"]]
            assert m == {
                "type": "marking-definition",
                "spec_version": "2.1",
                "id": m["id"],
                "created": "2022-10-01T00:00:00.000Z",
                "name": name,
                "extensions": {EXT: {"extension_type": "property-extension", "tlp_2_0": value}},
            }
            seen.add(m["id"])
        used = {ref for o in bundle["objects"] for ref in o.get("object_marking_refs", [])}
        assert used == {m["id"] for m in markings}  # included exactly when used
        assert stix.TLP_MARKING_IDS[tlp] in used
    assert seen == set(OASIS_TLP2)
    assert {str(k): v for k, v in stix.TLP_MARKING_IDS.items()} == {
        name.removeprefix("TLP:"): mid for mid, (name, _) in OASIS_TLP2.items()
    }
    # the TLP 1.0 ids of the STIX core (stix2.TLP_WHITE etc.) never appear
    text = stix.stix_bytes(advisory.live, issuer["author"]).decode()
    assert "613f2e26-407d-48c7-9eca-b8e91df99dc9" not in text  # TLP 1.0 WHITE
    assert "5e57c739-391a-4eb3-b6be-7d15ca92d5ed" not in text  # TLP 1.0 RED


def test_red_indicator_absent_for_those_who_may_not_see_it(issuer, orgs, personas):
    advisory = publish(issuer, draft(issuer, tlp="GREEN"))  # 192.0.2.44 is labelled RED
    outsider = personas.learner_b
    assert policy.can_view(outsider, advisory)
    assert not policy.can_view(outsider, advisory, "RED")

    bundle = stix.stix_bundle(advisory.live, outsider)
    assert_valid(bundle)
    assert_closed(bundle)
    raw = stix.stix_bytes(advisory.live, outsider).decode()
    assert "192.0.2.44" not in raw and "192[.]0[.]2[.]44" not in raw
    assert RED_MARKING not in raw
    assert [i["pattern"] for i in by_type(bundle, "indicator")] == [
        "[domain-name:value = 'eoffice-reset.example']"
    ]

    team = stix.stix_bundle(advisory.live, issuer["author"])
    assert_valid(team)
    assert_closed(team)
    red = [i for i in by_type(team, "indicator") if "192.0.2.44" in i["pattern"]]
    assert [i["object_marking_refs"] for i in red] == [[RED_MARKING]]
    # the relationships that point at it are as restricted as it is
    for r in by_type(team, "relationship"):
        if r["target_ref"] == red[0]["id"]:
            assert r["object_marking_refs"] == [RED_MARKING]
    assert RED_MARKING in {m["id"] for m in by_type(team, "marking-definition")}


def test_export_refused_to_those_who_may_not_see_the_advisory(issuer, orgs, personas):
    amber = make_advisory(issuer, orgs, personas, tlp="AMBER")
    with pytest.raises(Http404):
        stix.stix_bundle(amber.live, personas.focal_b)
    green = make_advisory(issuer, orgs, personas, tlp="GREEN")
    with pytest.raises(Http404):
        stix.stix_bundle(green.live, AnonymousUser())
    clear = make_advisory(issuer, orgs, personas, tlp="CLEAR")
    bundle = stix.stix_bundle(clear.live, AnonymousUser())
    assert_valid(bundle)
    # anonymous readers get only the parts at TLP:CLEAR
    used = {ref for o in bundle["objects"] for ref in o.get("object_marking_refs", [])}
    assert used == {stix.TLP_MARKING_IDS["CLEAR"]}


def test_ids_are_deterministic_and_revisions_are_new_versions(issuer, orgs, personas):
    advisory = make_advisory(issuer, orgs, personas, tlp="GREEN")
    first = advisory.live
    reader = personas.learner_a
    assert stix.stix_bytes(first, reader) == stix.stix_bytes(first, reader)
    raw = stix.stix_bytes(first, reader)
    assert json.loads(raw) == stix.stix_bundle(first, reader)
    assert raw.endswith(b"\n") and b'\n  "objects": [' in raw

    services.advisory_start_revision(actor=issuer["author"], advisory=advisory, note="Typo.")
    advisory.refresh_from_db()
    advisory.title = "Revised title"
    services.advisory_save(
        actor=issuer["author"],
        advisory=advisory,
        parts=services.Parts(
            measures=MEASURES,
            indicators=all_indicators("GREEN"),
            vulnerabilities=[],
            products=[],
            references=[],
        ),
    )
    publish(issuer, advisory)
    advisory.refresh_from_db()
    second = advisory.live
    assert second.number == 2

    old, new = stix.stix_bundle(first, reader), stix.stix_bundle(second, reader)
    old_report, new_report = by_type(old, "report")[0], by_type(new, "report")[0]
    assert old_report["id"] == new_report["id"]
    assert old_report["created"] == new_report["created"]
    assert new_report["modified"] > old_report["modified"]
    assert new_report["name"] == "Revised title"
    assert {o["id"] for o in by_type(old, "indicator")} == {
        o["id"] for o in by_type(new, "indicator")
    }
    assert old["id"] != new["id"]
    # the issuer is one identity across advisories
    other = make_advisory(issuer, orgs, personas, tlp="CLEAR")
    (identity,) = by_type(stix.stix_bundle(other.live, reader), "identity")
    assert identity == by_type(new, "identity")[0] == by_type(old, "identity")[0]
    assert identity["name"] == issuer["org"].name


def test_patterns_by_indicator_type():
    expected = {
        "ipv4": "[ipv4-addr:value = '192.0.2.1']",
        "ipv6": "[ipv6-addr:value = '2001:db8::1']",
        "domain": "[domain-name:value = 'bad.example']",
        "url": "[url:value = 'https://bad.example/a\\'b\\\\c']",
        "email": "[email-addr:value = 'x@bad.example']",
        "md5": "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
        "sha1": "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
        "sha256": f"[file:hashes.'SHA-256' = '{SHA256}']",
        "filename": "[file:name = 'invoice.pdf.exe']",
        "app": "[software:name = 'com.example.fakeoffice']",
    }
    values = {
        "ipv4": "192.0.2.1",
        "ipv6": "2001:db8::1",
        "domain": "bad.example",
        "url": "https://bad.example/a'b\\c",
        "email": "x@bad.example",
        "md5": "D41D8CD98F00B204E9800998ECF8427E",
        "sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "sha256": SHA256,
        "filename": "invoice.pdf.exe",
        "app": "com.example.fakeoffice",
    }
    for kind, pattern in expected.items():
        assert stix.stix_pattern(kind, values[kind]) == pattern
        assert validate_pattern(pattern, stix_version="2.1", print_errs=False)
    assert stix.stix_pattern("phone", "+92 300 1234567") is None


# --- feeds -----------------------------------------------------------------------------------


def render(feed, *args, **kwargs):
    request = RequestFactory().get("/advisories/feed.atom")
    response = feed(request, *args, **kwargs)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return response, ET.fromstring(response.content)  # noqa: S314 - our own feed output


def entries(root):
    return {
        e.find(f"{ATOM}title").text: e
        for e in root.findall(f"{ATOM}entry")  # title → entry
    }


@pytest.fixture
def one_of_each(issuer, orgs, personas):
    return {
        tlp: make_advisory(
            issuer, orgs, personas, tlp=tlp, title=f"Feed check {tlp} lure", indicators=[]
        )
        for tlp in TLPS
    }


def titles_with(found, tlp):
    return [t for t in found if t.endswith(f"Feed check {tlp} lure")]


def test_public_feed_carries_clear_only(one_of_each, issuer):
    response, root = render(feeds.PublicFeed())
    found = entries(root)
    assert titles_with(found, "CLEAR")
    for tlp in ("GREEN", "AMBER", "AMBER+STRICT", "RED"):
        assert not titles_with(found, tlp)
        assert f"Feed check {tlp} lure".encode() not in response.content
        assert f"at {tlp}.".encode() not in response.content  # no summary either
    (entry,) = found.values()
    clear = one_of_each["CLEAR"]
    assert entry.find(f"{ATOM}summary").text == clear.live.snapshot["summary"]
    assert entry.find(f"{ATOM}author/{ATOM}name").text == issuer["org"].name
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/advisories/{clear.pk}/")
    assert entry.find(f"{ATOM}published") is not None
    assert entry.find(f"{ATOM}id").text == f"urn:uuid:{clear.uid}"


def test_public_feed_holds_the_50_newest(issuer):
    for n in range(52):
        publish(issuer, draft(issuer, tlp="CLEAR", indicators=[], title=f"Clear number {n}"))
    _, root = render(feeds.PublicFeed())
    found = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert len(found) == 50
    assert found[0].endswith("Clear number 51")
    assert not any(t.endswith("Clear number 0") or t.endswith("Clear number 1") for t in found)


def test_a_label_lowered_in_a_draft_revision_stays_out_of_the_public_feed(issuer, orgs, personas):
    advisory = make_advisory(
        issuer, orgs, personas, tlp="AMBER", title="Lowered later", indicators=[]
    )
    services.advisory_start_revision(actor=issuer["author"], advisory=advisory, note="Lower it.")
    advisory.refresh_from_db()
    advisory.tlp = "CLEAR"
    advisory.audience = Advisory.Audience.ALL
    services.advisory_save(
        actor=issuer["author"],
        advisory=advisory,
        parts=services.Parts(
            measures=MEASURES, indicators=[], vulnerabilities=[], products=[], references=[]
        ),
    )
    response, _ = render(feeds.PublicFeed())
    assert b"Lowered later" not in response.content  # the live snapshot is still AMBER


def test_green_feed_titles_only_and_never_amber(one_of_each, personas):
    person = personas.focal_a  # a recipient of the AMBER, AMBER+STRICT and RED advisories
    for tlp in ("AMBER", "AMBER+STRICT", "RED"):
        assert policy.can_view(person, one_of_each[tlp])
    token = feeds.feed_token_create(person)
    response, root = render(feeds.GreenFeed(), token=token)
    found = entries(root)
    assert titles_with(found, "CLEAR") and titles_with(found, "GREEN")
    assert titles_with(found, "GREEN")[0].startswith("TLP:GREEN ")
    for tlp in ("AMBER", "AMBER+STRICT", "RED"):
        assert not titles_with(found, tlp)
        assert f"Feed check {tlp} lure".encode() not in response.content
    assert len(found) == 2
    assert not root.findall(f".//{ATOM}summary") and not root.findall(f".//{ATOM}content")
    assert b"Summary of the" not in response.content
    for entry in found.values():
        assert entry.find(f"{ATOM}link").get("href")
    assert "private" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_bad_feed_tokens_are_404(personas):
    feed = feeds.GreenFeed()
    request = RequestFactory().get("/advisories/feed/x.atom")
    for token in ("hzf_" + "A" * 43, "not-a-token", "", "hzf_" + "A" * 200):
        with pytest.raises(Http404):
            feed(request, token=token)
    person = personas.learner_a
    old = feeds.feed_token_create(person)
    new = feeds.feed_token_create(person)
    assert old != new
    with pytest.raises(Http404):  # replaced
        feed(request, token=old)
    assert feed(request, token=new).status_code == 200
    person.is_active = False
    person.save(update_fields=["is_active"])
    with pytest.raises(Http404):  # an inactive person's token stops working
        feed(request, token=new)


def test_feed_token_stores_only_its_hash_and_is_audited(personas):
    person = personas.learner_a
    token = feeds.feed_token_create(person)
    assert token.startswith("hzf_") and len(token) > 40
    row = FeedToken.objects.get(person=person)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert feeds.person_for_feed_token(token) == person
    again = feeds.feed_token_create(person)
    assert FeedToken.objects.filter(person=person).count() == 1
    assert feeds.person_for_feed_token(token) is None
    assert feeds.person_for_feed_token(again) == person
    events = AuditEvent.objects.filter(actor=person, action__startswith="advisory.feed_token")
    assert [e.action for e in events.order_by("seq")] == [
        "advisory.feed_token_created",
        "advisory.feed_token_replaced",
    ]
    assert not any(token in json.dumps(e.data) + e.object_repr for e in events)
    assert feeds.person_for_feed_token(None) is None
