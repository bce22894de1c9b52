"""Import of CISA's Known Exploited Vulnerabilities catalogue (JSON) and of CSAF 2.0 documents
as one draft advisory.

The file is checked completely before anything is written: its size, the JSON itself (guarded
against "JSON bombs": too deep, too many values), its format, and then every entry (KEV) or the
official schema and mandatory tests (CSAF, with the ``csaf`` validator). Any problem raises
:class:`ImportProblem` with a message naming what is wrong and where; nothing is saved. A good
file becomes one draft through :func:`services.advisory_save` (which checks that the actor is an
advisory author of the issuer and writes the audit log) in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from hifazat.advisories import services
from hifazat.advisories.fields import score
from hifazat.advisories.models import Advisory, Tlp
from hifazat.audit.services import audit_record
from hifazat.orgs import access
from hifazat.orgs.roles import Role

MAX_BYTES = 10 * 1024 * 1024  # 10 MB, like every other upload
MAX_DEPTH = 64  # nesting of arrays/objects; KEV needs 3, CSAF about 12
MAX_VALUES = 200_000  # arrays, objects and comma-separated items, counted before parsing
MAX_ENTRIES = 500  # KEV entries in one advisory
MAX_PROBLEMS = 20  # problems listed in one message

KEV_REQUIRED = (
    "cveID",
    "vendorProject",
    "product",
    "vulnerabilityName",
    "dateAdded",
    "shortDescription",
    "requiredAction",
    "dueDate",
)
CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,11}$")  # the model's field holds 20 characters
CWE_ID = re.compile(r"^CWE-\d+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NVD = "https://nvd.nist.gov/vuln/detail/{}"
DEFAULT_MEASURE = "Review this advisory and apply the vendor's guidance."

# a JSON string (escapes included), removed before counting brackets and commas; an
# unterminated string runs to the end, so the scan stays linear whatever the input
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_STRUCTURE = re.compile(r"[^\[\]{}]+")


class ImportProblem(Exception):
    """The file cannot be imported. ``str()`` is a message for the person importing it;
    ``problems`` lists each problem found (at most MAX_PROBLEMS)."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or [message]

    def __str__(self):
        return self.message


def _problems(prefix: str, problems: list[str]) -> ImportProblem:
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
    return ImportProblem(f"{prefix}: {text}" if prefix else text, shown)


# --- reading ---------------------------------------------------------------------------------


def _refuse_bombs(text: str) -> None:
    """Count structure before parsing, so a pathological file is refused in linear time and
    without building it in memory."""
    skeleton = _JSON_STRING.sub('""', text)
    values = skeleton.count("[") + skeleton.count("{") + skeleton.count(",")
    if values > MAX_VALUES:
        raise ImportProblem(
            f"The file holds too many values (more than {MAX_VALUES:,}); "
            "split it into smaller files."
        )
    brackets = _NOT_STRUCTURE.sub("", skeleton)
    if len(brackets) > 2 * MAX_VALUES:  # closing brackets are not counted above
        raise ImportProblem(
            f"The file holds too many values (more than {MAX_VALUES:,}); "
            "split it into smaller files."
        )
    depth = max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)
    if depth > MAX_DEPTH:
        raise ImportProblem(
            f"The JSON is nested too deeply (more than {MAX_DEPTH} levels); "
            "it is not a KEV or CSAF file."
        )


def _no_constants(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


def read_document(data: bytes) -> tuple[str, dict]:
    """("kev" | "csaf", the parsed document), or ImportProblem saying why not."""
    if len(data) > MAX_BYTES:
        raise ImportProblem(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB "
            f"({len(data) / (1024 * 1024):.1f} MB)."
        )
    if not data.strip():
        raise ImportProblem("The file is empty.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportProblem(f"The file is not UTF-8 text (byte {exc.start}).") from None
    _refuse_bombs(text)
    try:
        doc = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ImportProblem(
            f"The file is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except (ValueError, RecursionError) as exc:  # huge integers, NaN, …
        raise ImportProblem(f"The file is not usable JSON: {exc}.") from None
    return _detect(doc), doc


def _detect(doc) -> str:
    if isinstance(doc, dict):
        document = doc.get("document")
        if isinstance(document, dict) and "csaf_version" in document:
            version = document.get("csaf_version")
            if version == "2.0" or not isinstance(version, str):
                return "csaf"  # a wrong type is explained by the schema check
            raise ImportProblem(
                f"CSAF version {str(version)[:20]!r} is not supported: import CSAF 2.0."
            )
        vulns = doc.get("vulnerabilities")
        if isinstance(vulns, list) and (
            "catalogVersion" in doc or any(isinstance(v, dict) and "cveID" in v for v in vulns)
        ):
            return "kev"
    raise ImportProblem(
        "Unknown format: expected CISA's Known Exploited Vulnerabilities JSON "
        "(catalogVersion, vulnerabilities with cveID) or a CSAF 2.0 document "
        '(document.csaf_version "2.0").'
    )


# --- KEV -------------------------------------------------------------------------------------


def _kev_entries(doc: dict) -> list[dict]:
    """Every entry checked; the cleaned entries, or ImportProblem listing every problem."""
    vulns = doc["vulnerabilities"]
    if not vulns:
        raise ImportProblem("vulnerabilities: the catalogue lists no vulnerabilities.")
    if len(vulns) > MAX_ENTRIES:
        raise ImportProblem(
            f"vulnerabilities: {len(vulns)} entries; import at most {MAX_ENTRIES} at a time "
            "(one advisory should be readable: choose the entries that concern you)."
        )
    if "catalogVersion" in doc and not isinstance(doc["catalogVersion"], str):
        raise ImportProblem("catalogVersion: must be text.")
    problems: list[str] = []
    entries: list[dict] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(vulns):
        where = f"vulnerabilities[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: is not an object")
            continue
        entry: dict = {}
        ok = True
        for key in KEV_REQUIRED:
            value = raw.get(key)
            if key not in raw or value is None:
                problems.append(f"{where}: {key} is missing")
                ok = False
            elif not isinstance(value, str):
                problems.append(f"{where}.{key}: must be text, not {type(value).__name__}")
                ok = False
            elif not value.strip():
                problems.append(f"{where}.{key}: is empty")
                ok = False
            else:
                entry[key] = value.strip()
        if "cveID" in entry:
            cve = entry["cveID"]
            if not CVE_ID.match(cve):
                problems.append(f"{where}.cveID: {cve[:40]!r} is not a CVE id (CVE-YYYY-NNNN)")
                ok = False
            elif cve in seen:
                problems.append(
                    f"{where}.cveID: {cve} is listed twice (also vulnerabilities[{seen[cve]}])"
                )
                ok = False
            else:
                seen[cve] = i
        for key in ("dateAdded", "dueDate"):
            if key in entry:
                parsed = _date(entry[key])
                if parsed is None:
                    problems.append(
                        f"{where}.{key}: {entry[key][:40]!r} is not a date (YYYY-MM-DD)"
                    )
                    ok = False
                else:
                    entry[key] = parsed
        ransomware = raw.get("knownRansomwareCampaignUse")
        if ransomware is not None and ransomware not in ("Known", "Unknown"):
            problems.append(
                f"{where}.knownRansomwareCampaignUse: {str(ransomware)[:40]!r} "
                "is neither 'Known' nor 'Unknown'"
            )
            ok = False
        entry["ransomware"] = ransomware == "Known"
        notes = raw.get("notes", "")
        if notes is not None and not isinstance(notes, str):
            problems.append(f"{where}.notes: must be text")
            ok = False
        entry["notes"] = (notes or "").strip()
        cwes = raw.get("cwes", [])
        if cwes is None:
            cwes = []
        if not isinstance(cwes, list) or not all(
            isinstance(c, str) and CWE_ID.match(c) for c in cwes
        ):
            problems.append(f"{where}.cwes: must be a list of CWE ids (CWE-79)")
            ok = False
        entry["cwes"] = cwes if isinstance(cwes, list) else []
        if ok:
            entries.append(entry)
    if problems:
        raise _problems("", problems)
    return entries


def _date(value: str) -> date | None:
    if not ISO_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _clip(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_url = URLValidator(schemes=["https", "http"])


def _is_url(value: str) -> bool:
    if not value or len(value) > 500:
        return False
    try:
        _url(value)
    except ValidationError:
        return False
    return True


def _kev_advisory(doc: dict, entries: list[dict], issuer) -> tuple[Advisory, services.Parts]:
    n = len(entries)
    title = (
        f"Cyber Security Advisory – {entries[0]['vulnerabilityName']}"
        if n == 1
        else f"Cyber Security Advisory – Known Exploited Vulnerabilities ({n})"
    )
    version = doc.get("catalogVersion")
    source = "CISA's Known Exploited Vulnerabilities catalogue" + (
        f" (version {version})" if version else ""
    )
    lines = [
        f"{source} lists {'this vulnerability' if n == 1 else f'these {n} vulnerabilities'} "
        "as exploited in the wild:",
        "",
    ]
    background: list[str] = []
    products: dict[tuple[str, str], dict] = {}
    references = [
        {"url": NVD.format(e["cveID"]), "summary": f"NVD: {e['cveID']}"} for e in entries
    ]
    seen_urls = {r["url"] for r in references}
    for e in entries:
        ransom = " — **used in ransomware campaigns**" if e["ransomware"] else ""
        lines.append(
            f"- {e['cveID']}: {e['vulnerabilityName']} "
            f"({e['vendorProject']} {e['product']}){ransom}"
        )
        extra = []
        if e["cwes"]:
            extra.append(", ".join(e["cwes"]))
        extra.append(
            f"added to KEV {e['dateAdded']:%Y-%m-%d}, CISA due date {e['dueDate']:%Y-%m-%d}"
        )
        note_text = []
        for part in (p.strip() for p in e["notes"].split(";")):
            if _is_url(part):
                if part not in seen_urls:
                    seen_urls.add(part)
                    references.append({"url": part, "summary": _clip(f"{e['cveID']}: notes", 250)})
            elif part:
                note_text.append(part)
        if note_text:
            extra.append("notes: " + "; ".join(note_text))
        background.append(f"**{e['cveID']}** — {e['shortDescription']} ({'; '.join(extra)})")
        key = (_clip(e["vendorProject"], 120), _clip(e["product"], 200))
        products.setdefault(key, {"vendor": key[0], "name": key[1], "versions": ""})
    now = timezone.now()
    ack_due = now + timedelta(days=3)
    first_due = min(e["dueDate"] for e in entries)
    act_due = max(ack_due, timezone.make_aware(datetime.combine(first_due, time(23, 59))))
    advisory = Advisory(
        issuer=issuer,
        title=_clip(title, 250),
        kind=Advisory.Kind.VULNERABILITY,
        severity=Advisory.Severity.CRITICAL
        if any(e["ransomware"] for e in entries)
        else Advisory.Severity.HIGH,
        tlp=Tlp.GREEN,
        summary="\n".join(lines),
        background="\n\n".join(background),
        audience=Advisory.Audience.ALL,
        ack_due=ack_due,
        act_due=act_due,
    )
    parts = services.Parts(
        measures=[
            {
                "number": number,
                "text": f"{e['cveID']} ({e['vendorProject']} {e['product']}): "
                f"{e['requiredAction']}",
                "mandatory": True,
                "evidence_required": True,
            }
            for number, e in enumerate(entries, start=1)
        ],
        indicators=[],
        vulnerabilities=[
            {
                "cve": e["cveID"],
                "title": _clip(e["vulnerabilityName"], 250),
                "cvss_v31": "",
                "cvss_v40": "",
                "score_v31": None,
                "score_v40": None,
                "severity": "",
                "kev": True,
            }
            for e in entries
        ],
        products=list(products.values()),
        references=references,
    )
    return advisory, parts


# --- CSAF ------------------------------------------------------------------------------------


def _csaf_validator():
    """``csaf.csaf.v20.validate``, imported without letting the package's
    ``logging.basicConfig`` at import change the root logger."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from csaf.csaf.v20 import validate
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
    return validate


def _csaf_check(doc: dict) -> None:
    validate = _csaf_validator()
    try:
        report = validate(doc, preset="basic")
    except Exception as exc:  # the validator's rules assume a sane document
        raise ImportProblem(f"The CSAF validator could not check the document: {exc}") from None
    if report.overall_valid:
        return
    problems = []
    for result in report.results:
        if result.passed or result.skipped or result.group == "informative":
            continue
        label = "schema" if result.id == "schema" else f"test {result.id} ({result.title})"
        for error in result.errors or ():
            problems.append(f"{label}: {error.instance_path}: {error.message}")
        if not result.errors:
            problems.append(f"{label}: failed")
    raise _problems("Not a valid CSAF 2.0 document", problems or ["failed validation"])


CSAF_KIND = {
    "csaf_security_advisory": Advisory.Kind.VULNERABILITY,
    "csaf_security_incident_response": Advisory.Kind.INCIDENT,
    "csaf_informational_advisory": Advisory.Kind.HARDENING,
}
CSAF_TLP = {"WHITE": Tlp.CLEAR, "GREEN": Tlp.GREEN, "AMBER": Tlp.AMBER, "RED": Tlp.RED}
SEVERITY_WORDS = {
    "critical": Advisory.Severity.CRITICAL,
    "high": Advisory.Severity.HIGH,
    "important": Advisory.Severity.HIGH,
    "medium": Advisory.Severity.MEDIUM,
    "moderate": Advisory.Severity.MEDIUM,
    "low": Advisory.Severity.LOW,
    "none": Advisory.Severity.INFO,
    "info": Advisory.Severity.INFO,
    "informational": Advisory.Severity.INFO,
}
SEVERITY_ORDER = ["info", "low", "medium", "high", "critical"]
ACTIONABLE = {"vendor_fix": True, "mitigation": False, "workaround": False}  # → evidence asked


def _csaf_tlp(document: dict) -> str:
    distribution = document.get("distribution") or {}
    label = (distribution.get("tlp") or {}).get("label")
    if label is None:
        return Tlp.AMBER  # unlabelled: need-to-know until the author decides
    if label == "RED" and "TLP:AMBER+STRICT" in (distribution.get("text") or "").upper():
        return Tlp.AMBER_STRICT  # how TLP 2.0's AMBER+STRICT is carried in CSAF 2.0
    return CSAF_TLP[label]


def _notes(notes, *categories) -> list[str]:
    return [
        n["text"].strip()
        for n in notes or []
        if n.get("category") in categories and (n.get("text") or "").strip()
    ]


def _walk_branches(branches, vendor, name, version, out) -> None:
    for branch in branches or []:
        category, value = branch.get("category"), branch.get("name", "")
        v, n, ver = vendor, name, version
        if category == "vendor":
            v = value
        elif category == "product_name":
            n = value
        elif category in ("product_version", "product_version_range"):
            ver = value
        if "product" in branch:
            product = branch["product"]
            out.append((v, n or product.get("name", ""), ver))
        _walk_branches(branch.get("branches"), v, n, ver, out)


def _csaf_products(doc: dict) -> list[dict]:
    tree = doc.get("product_tree") or {}
    publisher = doc["document"]["publisher"]
    default_vendor = publisher["name"] if publisher.get("category") == "vendor" else "—"
    found: list[tuple[str, str, str]] = []
    _walk_branches(tree.get("branches"), "", "", "", found)
    for product in tree.get("full_product_names") or []:
        found.append(("", product.get("name", ""), ""))
    grouped: dict[tuple[str, str], list[str]] = {}
    for vendor, name, version in found:
        if not name:
            continue
        key = (_clip(vendor or default_vendor, 120), _clip(name, 200))
        versions = grouped.setdefault(key, [])
        if version and version not in versions:
            versions.append(version)
    return [
        {"vendor": vendor, "name": name, "versions": _clip(", ".join(versions), 200)}
        for (vendor, name), versions in grouped.items()
    ]


def _csaf_vulnerabilities(doc: dict) -> tuple[list[dict], list[str]]:
    rows, problems = [], []
    for i, v in enumerate(doc.get("vulnerabilities") or []):
        cve = v.get("cve")
        if not cve:
            continue
        if not CVE_ID.match(cve):
            problems.append(f"vulnerabilities[{i}].cve: {cve[:40]!r} is too long to keep")
            continue
        best: tuple[Decimal, str, str] | None = None
        for j, s in enumerate(v.get("scores") or []):
            vector = (s.get("cvss_v3") or {}).get("vectorString", "")
            if not vector.startswith("CVSS:3.1/"):
                continue  # CVSS 3.0 and 2.0 vectors are not kept
            try:
                value, severity = score(vector, "3.1")
            except Exception as exc:  # the cvss package raises its own error types
                problems.append(f"vulnerabilities[{i}].scores[{j}].cvss_v3.vectorString: {exc}")
                continue
            if best is None or value > best[0]:
                best = (value, severity, vector)
        rows.append(
            {
                "cve": cve,
                "title": _clip(v.get("title", ""), 250),
                "cvss_v31": best[2] if best else "",
                "cvss_v40": "",
                "score_v31": best[0] if best else None,
                "score_v40": None,
                "severity": best[1] if best else "",
                "kev": False,
            }
        )
    return rows, problems


def _csaf_measures(doc: dict) -> tuple[list[dict], list[str]]:
    """Remediations as measures (the same text for several CVEs becomes one measure), and
    the remediations that are no action (none available, no fix planned) as background."""
    texts: dict[str, dict] = {}
    no_fix: list[str] = []
    for v in doc.get("vulnerabilities") or []:
        label = v.get("cve") or v.get("title") or ""
        for r in v.get("remediations") or []:
            details = (r.get("details") or "").strip()
            if not details:
                continue
            if r.get("category") not in ACTIONABLE:
                no_fix.append(f"{label}: {details}" if label else details)
                continue
            item = texts.setdefault(details, {"labels": [], "evidence": ACTIONABLE[r["category"]]})
            item["evidence"] = item["evidence"] or ACTIONABLE[r["category"]]
            if label and label not in item["labels"]:
                item["labels"].append(label)
    measures = [
        {
            "number": number,
            "text": f"{', '.join(item['labels'])}: {details}" if item["labels"] else details,
            "mandatory": True,
            "evidence_required": item["evidence"],
        }
        for number, (details, item) in enumerate(texts.items(), start=1)
    ]
    if not measures:
        measures = [
            {
                "number": 1,
                "text": DEFAULT_MEASURE,
                "mandatory": True,
                "evidence_required": False,
            }
        ]
    return measures, no_fix


def _csaf_references(doc: dict) -> list[dict]:
    out, seen = [], set()
    candidates = list(doc["document"].get("references") or [])
    for v in doc.get("vulnerabilities") or []:
        candidates += v.get("references") or []
    for r in candidates:
        url = r.get("url", "")
        if r.get("category", "external") != "external" or url in seen or not _is_url(url):
            continue
        seen.add(url)
        out.append({"url": url, "summary": _clip(r.get("summary", ""), 250)})
    return out


def _csaf_advisory(doc: dict, issuer) -> tuple[Advisory, services.Parts, bool]:
    document = doc["document"]
    vulnerabilities, problems = _csaf_vulnerabilities(doc)
    if problems:
        raise _problems("", problems)
    measures, no_fix = _csaf_measures(doc)
    notes = document.get("notes")
    summary = _notes(notes, "summary") or _notes(notes, "description", "general")[:1]
    background = _notes(notes, "details")
    for v in doc.get("vulnerabilities") or []:
        for text in _notes(v.get("notes"), "description", "summary"):
            background.append(f"**{v.get('cve') or v.get('title') or 'Vulnerability'}** — {text}")
    if no_fix:
        background.append("No fix: " + "; ".join(no_fix))
    tracking = document["tracking"]
    background.append(
        f"Source: {document['publisher']['name']}, {tracking['id']} "
        f"(version {tracking['version']}, {tracking['current_release_date']})."
    )
    severity = SEVERITY_WORDS.get(
        str((document.get("aggregate_severity") or {}).get("text", "")).strip().lower()
    )
    if severity is None:
        scored = [v["severity"] for v in vulnerabilities if v["severity"] in SEVERITY_ORDER]
        severity = max(scored, key=SEVERITY_ORDER.index) if scored else None
    kind = CSAF_KIND.get(document["category"], Advisory.Kind.THREAT)
    if severity is None:
        severity = (
            Advisory.Severity.INFO if kind == Advisory.Kind.HARDENING else Advisory.Severity.MEDIUM
        )
    tlp = _csaf_tlp(document)
    now = timezone.now()
    advisory = Advisory(
        issuer=issuer,
        title=_clip(document["title"], 250),
        kind=kind,
        severity=severity,
        tlp=tlp,
        summary="\n\n".join(summary) or document["title"],
        background="\n\n".join(background),
        # TLP:RED goes to named people: the author, until they choose the recipients
        audience=Advisory.Audience.PEOPLE if tlp == Tlp.RED else Advisory.Audience.ALL,
        ack_due=now + timedelta(days=3),
        act_due=now + timedelta(days=30),
    )
    parts = services.Parts(
        measures=measures,
        indicators=[],
        vulnerabilities=vulnerabilities,
        products=_csaf_products(doc),
        references=_csaf_references(doc),
    )
    return advisory, parts, tlp == Tlp.RED


# --- the import ------------------------------------------------------------------------------


def import_file(data: bytes, *, actor, issuer) -> Advisory:
    """One draft advisory of ``issuer`` from a KEV or CSAF 2.0 file, or ImportProblem (and
    nothing written). PermissionDenied unless the actor is an advisory author of the issuer."""
    if issuer.pk not in {o.pk for o in access.scoped_organisations(actor, Role.ADVISORY_AUTHOR)}:
        raise PermissionDenied
    fmt, doc = read_document(data)
    red = False
    if fmt == "kev":
        entries = _kev_entries(doc)
        advisory, parts = _kev_advisory(doc, entries, issuer)
        count = len(entries)
    else:
        _csaf_check(doc)
        advisory, parts, red = _csaf_advisory(doc, issuer)
        count = len(parts.vulnerabilities)
    try:
        with transaction.atomic():
            advisory = services.advisory_save(
                actor=actor, advisory=advisory, parts=parts, people=[actor] if red else []
            )
            audit_record(
                actor=actor,
                action="advisory.imported",
                obj=advisory,
                data={
                    "format": fmt,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "bytes": len(data),
                    "vulnerabilities": count,
                },
            )
    except ValidationError as exc:
        raise ImportProblem("The draft could not be saved: " + "; ".join(exc.messages)) from None
    return advisory
