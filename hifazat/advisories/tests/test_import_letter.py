"""Import of KEV JSON and CSAF 2.0 as draft advisories (everything checked before anything is
written; pathological files refused quickly), and the PDF letter of a published revision."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from hifazat.advisories.exchange import imports
from hifazat.advisories.exchange.imports import ImportProblem, import_file, read_document
from hifazat.advisories.exchange.letter import letter_pdf
from hifazat.advisories.models import Advisory
from hifazat.advisories.tests.conftest import draft, publish
from hifazat.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db]

KEV_ENTRIES = [
    {
        "cveID": "CVE-2026-90011",
        "vendorProject": "Nimbus Networks",
        "product": "EdgeGate VPN",
        "vulnerabilityName": "Nimbus Networks EdgeGate VPN Authentication Bypass Vulnerability",
        "dateAdded": "2026-03-02",
        "shortDescription": "EdgeGate VPN lets a remote attacker skip authentication by "
        "sending a crafted session cookie to the portal.",
        "requiredAction": "Apply mitigations per vendor instructions or discontinue use of "
        "the product if mitigations are unavailable.",
        "dueDate": "2026-03-23",
        "knownRansomwareCampaignUse": "Known",
        "notes": "https://support.nimbus.example/advisories/NN-2026-004 ; "
        "https://nvd.nist.gov/vuln/detail/CVE-2026-90011",
        "cwes": ["CWE-287"],
    },
    {
        "cveID": "CVE-2026-90012",
        "vendorProject": "Qalam Software",
        "product": "DocFlow Server",
        "vulnerabilityName": "Qalam Software DocFlow Server Path Traversal Vulnerability",
        "dateAdded": "2026-03-04",
        "shortDescription": "DocFlow Server does not check file paths in uploads, so an "
        "authenticated user can write files outside the document store.",
        "requiredAction": "Upgrade DocFlow Server to version 12.4.1 or later.",
        "dueDate": "2026-03-25",
        "knownRansomwareCampaignUse": "Unknown",
        "notes": "",
        "cwes": ["CWE-22"],
    },
    {
        "cveID": "CVE-2026-90013",
        "vendorProject": "Indus Systems",
        "product": "Sarhad Mail Gateway",
        "vulnerabilityName": "Indus Systems Sarhad Mail Gateway Command Injection Vulnerability",
        "dateAdded": "2026-03-05",
        "shortDescription": "The gateway's admin console passes a header value to a shell, "
        "letting a remote attacker run commands as root.",
        "requiredAction": "Restrict the admin console to the management network and apply "
        "the vendor's hotfix SMG-2026-7.",
        "dueDate": "2026-03-26",
        "knownRansomwareCampaignUse": "Unknown",
        "notes": "",
        "cwes": [],
    },
]


def kev(entries=None, **top) -> bytes:
    entries = copy.deepcopy(KEV_ENTRIES if entries is None else entries)
    doc = {
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2026.03.05",
        "dateReleased": "2026-03-05T15:00:00.0000Z",
        "count": len(entries),
        "vulnerabilities": entries,
        **top,
    }
    return json.dumps(doc, indent=2).encode()


def kev_entry(n: int) -> dict:
    return {
        **KEV_ENTRIES[n % 3],
        "cveID": f"CVE-2026-9{n:04d}",
        "vulnerabilityName": f"Fictional Product {n} Remote Code Execution Vulnerability",
        "requiredAction": f"Apply hotfix HF-{n:03d} from the vendor and restart the service "
        f"within the maintenance window (item {n}).",
    }


def csaf_doc(**document) -> dict:
    doc = {
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "distribution": {
                "text": "TLP v2.0: TLP:AMBER+STRICT",
                "tlp": {"label": "RED", "url": "https://www.first.org/tlp/"},
            },
            "lang": "en",
            "notes": [
                {
                    "category": "summary",
                    "text": "A flaw in Nimbus EdgeGate lets attackers bypass authentication.",
                    "title": "Summary",
                },
                {
                    "category": "details",
                    "text": "The portal trusts an unsigned session cookie.",
                    "title": "Details",
                },
            ],
            "publisher": {
                "category": "vendor",
                "name": "Nimbus Networks PSIRT",
                "namespace": "https://psirt.nimbus.example",
            },
            "references": [
                {
                    "category": "external",
                    "summary": "Vendor bulletin NN-2026-004",
                    "url": "https://psirt.nimbus.example/bulletins/NN-2026-004",
                }
            ],
            "title": "Nimbus EdgeGate VPN authentication bypass",
            "tracking": {
                "current_release_date": "2026-03-01T10:00:00.000Z",
                "id": "NN-2026-004",
                "initial_release_date": "2026-03-01T10:00:00.000Z",
                "revision_history": [
                    {"date": "2026-03-01T10:00:00.000Z", "number": "1", "summary": "Initial."}
                ],
                "status": "final",
                "version": "1",
            },
        },
        "product_tree": {
            "branches": [
                {
                    "category": "vendor",
                    "name": "Nimbus Networks",
                    "branches": [
                        {
                            "category": "product_name",
                            "name": "EdgeGate VPN",
                            "branches": [
                                {
                                    "category": "product_version",
                                    "name": "7.2.1",
                                    "product": {
                                        "name": "Nimbus Networks EdgeGate VPN 7.2.1",
                                        "product_id": "CSAFPID-0001",
                                    },
                                }
                            ],
                        }
                    ],
                }
            ]
        },
        "vulnerabilities": [
            {
                "cve": "CVE-2026-90021",
                "title": "Authentication bypass",
                "notes": [
                    {"category": "description", "text": "Auth bypass.", "title": "Description"}
                ],
                "product_status": {"known_affected": ["CSAFPID-0001"]},
                "remediations": [
                    {
                        "category": "vendor_fix",
                        "details": "Upgrade EdgeGate VPN to 7.2.2 or later.",
                        "product_ids": ["CSAFPID-0001"],
                    }
                ],
                "scores": [
                    {
                        "products": ["CSAFPID-0001"],
                        "cvss_v3": {
                            "version": "3.1",
                            "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                            "baseScore": 9.8,
                            "baseSeverity": "CRITICAL",
                        },
                    }
                ],
            }
        ],
    }
    doc["document"].update(document)
    return doc


def as_bytes(doc) -> bytes:
    return json.dumps(doc).encode()


def written():
    return Advisory.objects.count(), AuditEvent.objects.count()


# --- KEV -------------------------------------------------------------------------------------


def test_kev_file_becomes_one_draft(issuer):
    before = Advisory.objects.count()
    a = import_file(kev(), actor=issuer["author"], issuer=issuer["org"])
    assert Advisory.objects.count() == before + 1
    a.refresh_from_db()
    assert a.state == Advisory.State.DRAFT and a.created_by == issuer["author"]
    assert a.issuer == issuer["org"] and a.tracking_id.startswith("NTISB-ADV-")
    assert a.kind == "vulnerability" and a.tlp == "GREEN" and a.audience == "all"
    assert a.severity == "critical"  # one entry is used in ransomware campaigns
    assert a.title == "Cyber Security Advisory – Known Exploited Vulnerabilities (3)"
    for e in KEV_ENTRIES:
        assert e["cveID"] in a.summary and e["cveID"] in a.background
    vulns = list(a.vulnerabilities.order_by("cve"))
    assert [v.cve for v in vulns] == ["CVE-2026-90011", "CVE-2026-90012", "CVE-2026-90013"]
    assert all(v.kev and not v.cvss_v31 and v.score_v31 is None for v in vulns)
    measures = list(a.measures.order_by("number"))
    assert [m.number for m in measures] == [1, 2, 3]
    assert all(m.mandatory and m.evidence_required for m in measures)
    assert KEV_ENTRIES[1]["requiredAction"] in measures[1].text
    assert {(p.vendor, p.name) for p in a.products.all()} == {
        ("Nimbus Networks", "EdgeGate VPN"),
        ("Qalam Software", "DocFlow Server"),
        ("Indus Systems", "Sarhad Mail Gateway"),
    }
    urls = [r.url for r in a.references.all()]
    assert len(urls) == len(set(urls)) == 4  # NVD's page in the notes is not repeated
    for e in KEV_ENTRIES:
        assert f"https://nvd.nist.gov/vuln/detail/{e['cveID']}" in urls
    assert "https://support.nimbus.example/advisories/NN-2026-004" in urls  # from notes
    now = timezone.now()
    assert abs(a.ack_due - (now + timedelta(days=3))) < timedelta(minutes=1)
    assert a.act_due >= a.ack_due  # the catalogue's due dates are in the past here
    actions = set(AuditEvent.objects.filter(object_id=str(a.pk)).values_list("action", flat=True))
    assert {"advisory.created", "advisory.imported"} <= actions


def test_kev_act_by_follows_the_earliest_due_date(issuer):
    soon = timezone.localdate() + timedelta(days=20)
    later = soon + timedelta(days=10)
    entries = copy.deepcopy(KEV_ENTRIES[1:])
    entries[0]["dueDate"], entries[1]["dueDate"] = later.isoformat(), soon.isoformat()
    a = import_file(kev(entries), actor=issuer["author"], issuer=issuer["org"])
    assert timezone.localtime(a.act_due).date() == soon
    assert a.severity == "high"  # no known ransomware use


def test_kev_single_entry_is_named_after_the_vulnerability(issuer):
    a = import_file(kev(KEV_ENTRIES[1:2]), actor=issuer["author"], issuer=issuer["org"])
    assert a.title == (
        "Cyber Security Advisory – Qalam Software DocFlow Server Path Traversal Vulnerability"
    )
    assert a.measures.count() == 1 and a.vulnerabilities.get().kev


def test_only_an_author_of_the_issuer_imports(issuer, personas):
    before = written()
    for actor in (issuer["reviewer"], personas["admin"], personas["focal_a"]):
        with pytest.raises(PermissionDenied):
            import_file(kev(), actor=actor, issuer=issuer["org"])
    assert written() == before


def _without(key):
    entries = copy.deepcopy(KEV_ENTRIES)
    del entries[1][key]
    return entries


def _with(index, **changes):
    entries = copy.deepcopy(KEV_ENTRIES)
    entries[index].update(changes)
    return entries


BAD_KEV = {
    "missing cveID": (_without("cveID"), "vulnerabilities[1]: cveID is missing"),
    "missing requiredAction": (
        _without("requiredAction"),
        "vulnerabilities[1]: requiredAction is missing",
    ),
    "bad dateAdded": (
        _with(0, dateAdded="2026-13-01"),
        "vulnerabilities[0].dateAdded: '2026-13-01' is not a date (YYYY-MM-DD)",
    ),
    "not ISO dueDate": (
        _with(2, dueDate="03/26/2026"),
        "vulnerabilities[2].dueDate: '03/26/2026' is not a date (YYYY-MM-DD)",
    ),
    "bad CVE id": (
        _with(2, cveID="CVE-26-1"),
        "vulnerabilities[2].cveID: 'CVE-26-1' is not a CVE id",
    ),
    "duplicate CVE": (
        _with(2, cveID="CVE-2026-90011"),
        "vulnerabilities[2].cveID: CVE-2026-90011 is listed twice",
    ),
    "number for text": (_with(1, product=42), "vulnerabilities[1].product: must be text"),
    "empty text": (_with(1, vendorProject="  "), "vulnerabilities[1].vendorProject: is empty"),
    "bad ransomware flag": (
        _with(0, knownRansomwareCampaignUse="Maybe"),
        "vulnerabilities[0].knownRansomwareCampaignUse",
    ),
    "bad cwes": (_with(0, cwes="CWE-287"), "vulnerabilities[0].cwes"),
    "entry not an object": (
        [*copy.deepcopy(KEV_ENTRIES), "CVE-2026-90014"],
        "vulnerabilities[3]: is not an object",
    ),
    "no entries": ([], "lists no vulnerabilities"),
}


@pytest.mark.parametrize("case", list(BAD_KEV))
def test_bad_kev_entry_is_named_and_nothing_written(issuer, case):
    entries, message = BAD_KEV[case]
    before = written()
    with pytest.raises(ImportProblem) as err:
        import_file(kev(entries), actor=issuer["author"], issuer=issuer["org"])
    assert message in str(err.value)
    assert written() == before


def test_every_kev_problem_is_listed(issuer):
    entries = _with(0, dateAdded="2026-02-30")
    del entries[2]["cveID"]
    with pytest.raises(ImportProblem) as err:
        import_file(kev(entries), actor=issuer["author"], issuer=issuer["org"])
    assert "vulnerabilities[0].dateAdded: '2026-02-30' is not a date" in str(err.value)
    assert "vulnerabilities[2]: cveID is missing" in str(err.value)
    assert len(err.value.problems) == 2


# --- files that are not KEV or CSAF, or are hostile ------------------------------------------

BAD_FILES = {
    "non-JSON": (b"cveID,vendorProject\nCVE-2026-90011,Nimbus\n", "not JSON"),
    "truncated JSON": (kev()[:-40], "not JSON"),
    "unknown format": (b'{"hello": "world", "items": [1, 2, 3]}', "Unknown format"),
    "a list": (b"[1, 2, 3]", "Unknown format"),
    "CSAF 2.1": (
        as_bytes(csaf_doc(csaf_version="2.1")),
        "CSAF version '2.1' is not supported",
    ),
    "not UTF-8": ('{"title": "Kātib"}'.encode("utf-16"), "not UTF-8"),
    "empty": (b"  \n", "empty"),
    "NaN": (b'{"catalogVersion": "1", "vulnerabilities": [], "count": NaN}', "NaN"),
    "huge integer": (b'{"count": ' + b"9" * 50_000 + b"}", "not usable JSON"),
    "too large": (b" " * (20 * 1024 * 1024), "larger than 10 MB"),
    "deep bomb": (b"[" * 100_000, "nested too deeply"),
    "deep object bomb": (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "nested too deeply"),
    "just too deep": (b"[" * 65 + b"]" * 65, "nested too deeply"),
    "wide bomb": (b"[" + b"0," * 300_000 + b"0]", "too many values"),
    "wide object bomb": (
        b"{" + b",".join(b'"k%d":{}' % i for i in range(250_000)) + b"}",
        "too many values",
    ),
    "closing bracket flood": (b"]" * 9_000_000, "too many values"),
    "unterminated escapes": (b'["' + b'\\"' * 3_000_000, "not JSON"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_quickly_and_nothing_written(issuer, case):
    data, message = BAD_FILES[case]
    before = written()
    started = time.monotonic()
    with pytest.raises(ImportProblem) as err:
        import_file(data, actor=issuer["author"], issuer=issuer["org"])
    assert time.monotonic() - started < 5
    assert message in str(err.value)
    assert written() == before


def test_depth_at_the_limit_is_read():
    fmt, doc = read_document(kev(entries=[{**KEV_ENTRIES[0], "deep": [[[[[[[[1]]]]]]]]}]))
    assert fmt == "kev" and doc["vulnerabilities"][0]["cveID"] == "CVE-2026-90011"
    nested = b"[" * 64 + b"]" * 64
    with pytest.raises(ImportProblem, match="Unknown format"):  # deep enough, but not KEV/CSAF
        read_document(nested)


def test_formats_are_detected():
    assert read_document(kev())[0] == "kev"
    assert read_document(as_bytes(csaf_doc()))[0] == "csaf"
    assert read_document(b"\xef\xbb\xbf" + kev())[0] == "kev"  # UTF-8 with a byte-order mark


# --- CSAF ------------------------------------------------------------------------------------


def test_csaf_round_trip(issuer):
    from csaf.csaf.v20 import validate

    doc = csaf_doc()
    assert validate(doc, preset="basic").overall_valid
    a = import_file(as_bytes(doc), actor=issuer["author"], issuer=issuer["org"])
    a.refresh_from_db()
    assert a.state == "draft" and a.title == "Nimbus EdgeGate VPN authentication bypass"
    assert a.tlp == "AMBER+STRICT"  # label RED + "TLP:AMBER+STRICT" in the distribution text
    assert a.kind == "vulnerability" and a.severity == "critical" and a.audience == "all"
    assert a.summary == "A flaw in Nimbus EdgeGate lets attackers bypass authentication."
    assert "unsigned session cookie" in a.background and "NN-2026-004" in a.background
    v = a.vulnerabilities.get()
    assert v.cve == "CVE-2026-90021" and not v.kev
    assert v.cvss_v31 == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert str(v.score_v31) == "9.8" and v.severity == "critical"
    p = a.products.get()
    assert (p.vendor, p.name, p.versions) == ("Nimbus Networks", "EdgeGate VPN", "7.2.1")
    m = a.measures.get()
    assert m.text == "CVE-2026-90021: Upgrade EdgeGate VPN to 7.2.2 or later."
    assert m.mandatory and m.evidence_required
    assert [r.url for r in a.references.all()] == [
        "https://psirt.nimbus.example/bulletins/NN-2026-004"
    ]
    assert a.ack_due < a.act_due
    assert AuditEvent.objects.filter(action="advisory.imported", object_id=str(a.pk)).exists()


@pytest.mark.parametrize(
    "label,text,expected",
    [
        ("WHITE", "", "CLEAR"),
        ("GREEN", "", "GREEN"),
        ("AMBER", "", "AMBER"),
        ("RED", "TLP v2.0: TLP:AMBER+STRICT", "AMBER+STRICT"),
        ("RED", "", "RED"),
    ],
)
def test_csaf_tlp_is_mapped_back(issuer, label, text, expected):
    distribution = {"tlp": {"label": label, "url": "https://www.first.org/tlp/"}}
    if text:
        distribution["text"] = text
    a = import_file(
        as_bytes(csaf_doc(distribution=distribution)),
        actor=issuer["author"],
        issuer=issuer["org"],
    )
    assert a.tlp == expected
    if expected == "RED":  # named people only: the author, until they choose the recipients
        assert a.audience == "people" and list(a.people.all()) == [issuer["author"]]


@pytest.mark.parametrize(
    "category,kind",
    [
        ("csaf_security_incident_response", "incident"),
        ("csaf_informational_advisory", "hardening"),
        ("csaf_base", "threat"),
        ("NTISB Cyber Security Advisory", "threat"),
    ],
)
def test_csaf_kind_from_category(issuer, category, kind):
    doc = csaf_doc(category=category)
    del doc["vulnerabilities"], doc["product_tree"]  # informational: no vulnerabilities
    a = import_file(as_bytes(doc), actor=issuer["author"], issuer=issuer["org"])
    assert a.kind == kind and a.vulnerabilities.count() == 0
    assert [m.text for m in a.measures.all()] == [imports.DEFAULT_MEASURE]


def test_csaf_failing_the_schema_is_refused(issuer):
    doc = csaf_doc()
    del doc["document"]["title"]
    doc["document"]["tracking"]["status"] = "published"
    before = written()
    with pytest.raises(ImportProblem) as err:
        import_file(as_bytes(doc), actor=issuer["author"], issuer=issuer["org"])
    message = str(err.value)
    assert message.startswith("Not a valid CSAF 2.0 document: schema: ")
    assert "'title' is a required property" in message
    assert "/document/tracking/status" in message
    assert written() == before


def test_csaf_failing_a_mandatory_test_is_refused(issuer):
    doc = csaf_doc()
    doc["vulnerabilities"][0]["product_status"]["known_affected"] = ["CSAFPID-9999"]
    before = written()
    with pytest.raises(ImportProblem) as err:
        import_file(as_bytes(doc), actor=issuer["author"], issuer=issuer["org"])
    assert "test 6.1.1" in str(err.value) and "CSAFPID-9999" in str(err.value)
    assert written() == before


def test_csaf_validator_leaves_the_root_logger_alone():
    """The csaf package calls logging.basicConfig when imported (in a fresh interpreter,
    where it would take effect: the root logger has no handler yet)."""
    code = (
        "import logging, sys, django; django.setup(); root = logging.getLogger();"
        "root.handlers.clear(); root.setLevel(logging.WARNING);"
        "assert 'csaf' not in sys.modules, 'csaf already imported';"
        "from hifazat.advisories.exchange.imports import _csaf_validator;"
        "_csaf_validator(); assert 'csaf' in sys.modules;"
        "print(len(root.handlers), root.level)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hifazat.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["0", "30"]


# --- the letter ------------------------------------------------------------------------------


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    return "".join(text.split())


def pdf_fonts(data: bytes) -> set[str]:
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


SHA = "3f" * 32


def test_letter_of_an_imported_kev_advisory(issuer):
    entries = [kev_entry(n) for n in range(1, 31)]
    a = import_file(kev(entries), actor=issuer["author"], issuer=issuer["org"])
    a = publish(issuer, a)
    revision = a.live
    data = letter_pdf(
        revision, addressees=["Ministry of Alpha", "Ministry of Bravo"], csaf_sha256=SHA
    )
    assert data.startswith(b"%PDF-")
    pages = pdf_pages(data)
    assert len(pages) >= 2
    for text in pages:  # header and footer of every page
        assert text.count("TLP:GREEN") >= 2
        assert a.tracking_id in text
    text = "\n".join(pages)
    flat = squash(text)
    assert squash(f"Subject: {a.title}") in flat
    assert "To: the focal persons of" in text
    assert "Ministry of Alpha" in text and "Ministry of Bravo" in text
    for m in revision.snapshot["measures"]:
        assert squash(m["text"]) in flat
    assert squash("(mandatory; evidence required)") in flat
    assert "Shahid Publisher" in text and issuer["publisher"].designation in text
    assert "National Telecom & IT Security Board" in text
    assert SHA in flat
    assert "CVE-2026-90001" in text


def test_letter_reference_indicators_and_optional_measures(issuer, orgs):
    a = draft(issuer, tlp="AMBER+STRICT", audience="organisations", organisations=[orgs["div_a"]])
    Advisory.objects.filter(pk=a.pk).update(reference_no="No. 1-2/2026-NTISB (Policy)")
    a = publish(issuer, Advisory.objects.get(pk=a.pk))
    data = letter_pdf(a.live, addressees=["Alpha Division"])
    pages = pdf_pages(data)
    for text in pages:
        assert text.count("TLP:AMBER+STRICT") >= 2
    text = "\n".join(pages)
    assert "No. 1-2/2026-NTISB (Policy)" in text and a.tracking_id in text
    assert "eoffice-reset[.]example" in text  # defanged
    assert "eoffice-reset.example" not in text
    assert "192[.]0[.]2[.]44" not in text and "192.0.2.44" not in text  # labelled RED
    flat = squash(text)
    assert squash("3. Review mail logs for the sender. (optional)") in flat
    assert (
        squash("1. Block the listed indicators at the gateway. (mandatory; evidence required)")
        in flat
    )
    assert "SHA-256" not in text  # none given
    assert "Shahid Publisher" in text


def test_letter_uses_the_urdu_font_for_urdu(issuer):
    a = publish(issuer, draft(issuer, title="سائبر سیکیورٹی ایڈوائزری – جعلی ای آفس صفحات"))
    data = letter_pdf(a.live, addressees=["All federal ministries and divisions"])
    fonts = pdf_fonts(data)
    assert any("NotoNaskhArabic" in f.replace("-", "") for f in fonts), fonts
    assert any("DejaVuSans" in f.replace("-", "") for f in fonts), fonts
    assert "All federal ministries and divisions" in "\n".join(pdf_pages(data))


def test_letter_refuses_bad_arguments(issuer):
    a = publish(issuer, draft(issuer))
    with pytest.raises(ValueError, match="addressees"):
        letter_pdf(a.live, addressees=[" "])
    with pytest.raises(ValueError, match="SHA-256"):
        letter_pdf(a.live, addressees=["Alpha Division"], csaf_sha256="not-a-hash")


def test_letter_fetches_only_the_vendored_fonts():
    from hifazat.advisories.exchange.letter import FONT_DIR, _fetcher_class

    fetcher = _fetcher_class()()
    font = FONT_DIR / "noto-naskh-arabic-arabic-400-normal.woff2"
    assert fetcher.fetch(font.as_uri()) is not None
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "https://evil.example/x.css",
        "file:///etc/passwd",
        (FONT_DIR / ".." / ".." / "fonts.css").as_uri(),
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
