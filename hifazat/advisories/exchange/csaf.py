"""CSAF 2.0 export of a published advisory revision (OASIS CSAF 2.0, 18 November 2022).

The document is built from the revision's immutable snapshot (and the earlier revisions, for the
revision history) — never from the working copy, so a draft in progress changes nothing here.

Profile by kind: vulnerability → ``csaf_security_advisory`` (product tree, product status,
remediations, CVSS v3.1 scores); incident → ``csaf_security_incident_response``; hardening →
``csaf_informational_advisory`` (no vulnerabilities); threat and directive → ``csaf_base``.
A vulnerability advisory without products or without CVEs cannot be a security advisory
(the profile needs both) and falls back to ``csaf_base``.

CSAF 2.0 knows only TLP 1.0 labels: CLEAR is exported as WHITE, and AMBER+STRICT as RED with
``distribution.text`` "TLP v2.0: TLP:AMBER+STRICT" (what the CSAF 2.1 converter looks for).
Parts with their own, stricter label (indicators) are left out of the file entirely;
attachments never go into it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from django.conf import settings

from hifazat.advisories.models import TLP_RANK

TLP_URL = "https://www.first.org/tlp/"
CSAF_TLP = {
    "CLEAR": "WHITE",
    "GREEN": "GREEN",
    "AMBER": "AMBER",
    "AMBER+STRICT": "RED",
    "RED": "RED",
}
TLP_TEXT = {"AMBER+STRICT": "TLP v2.0: TLP:AMBER+STRICT"}
PROFILE = {
    "vulnerability": "csaf_security_advisory",
    "incident": "csaf_security_incident_response",
    "hardening": "csaf_informational_advisory",
    "threat": "csaf_base",
    "directive": "csaf_base",
}
SEVERITY = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "info": "Informational",
}
INDICATOR_LABEL = {
    "ipv4": "IPv4",
    "ipv6": "IPv6",
    "domain": "Domain",
    "url": "URL",
    "email": "E-mail address",
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha256": "SHA-256",
    "filename": "File name",
    "phone": "Phone number",
    "app": "App package",
}
_FILENAME = re.compile(r"[^+\-a-z0-9]+")
# a version such as 7.2.8, 2024.1 or 5.12.4-rc1: anything else is a range, in words or symbols
_VERSION = r"v?\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.]+)?"
_SINGLE = re.compile(rf"^{_VERSION}$")
_FROM_TO = re.compile(rf"^(?:versions? |firmware )?({_VERSION}) to ({_VERSION})$", re.IGNORECASE)
_BEFORE = re.compile(rf"^(?:versions? |firmware )?before ({_VERSION})$", re.IGNORECASE)
_LINE_BEFORE = re.compile(rf"^({_VERSION}) before ({_VERSION})$", re.IGNORECASE)
_VENDOR_FIX = re.compile(
    r"\b(update|updates|upgrade|patch|patches|patched|fixed version|security release|hotfix)\b",
    re.IGNORECASE,
)


def csaf_filename(tracking_id: str) -> str:
    """CSAF 2.0 §5.1: lower-case the tracking id, replace each run of characters other than
    ``+``, ``-``, a–z and 0–9 by ``_``, add ``.json`` (``NTISB-ADV-2025/064`` →
    ``ntisb-adv-2025_064.json``)."""
    return _FILENAME.sub("_", tracking_id.lower()) + ".json"


# --- building the document ---------------------------------------------------------------------


def csaf_document(revision) -> dict[str, Any]:
    """The CSAF 2.0 document (a dict, keys sorted at every level) of a published revision."""
    snap = revision.snapshot
    kind = snap["kind"]
    tlp = snap["tlp"]
    products = _products(snap.get("products") or [])
    cves = snap.get("vulnerabilities") or []
    category = PROFILE.get(kind, "csaf_base")
    if category == "csaf_security_advisory" and not (products and cves):
        category = "csaf_base"

    site = settings.SITE_URL.rstrip("/")
    pk = revision.advisory_id
    references = [
        {
            "category": "self",
            "summary": "This CSAF document",
            # ends in the file's name (CSAF test 6.2.11), served by advisories:csaf_file
            "url": f"{site}/advisories/{pk}/csaf/{csaf_filename(snap['tracking_id'])}",
        },
        {
            "category": "external",
            "summary": f"{snap['human_number']} on the {snap['issuer']} advisory portal",
            "url": f"{site}/advisories/{pk}/",
        },
    ]
    seen = {r["url"] for r in references}
    for ref in snap.get("references") or []:
        if ref["url"] in seen:
            continue
        seen.add(ref["url"])
        references.append(
            {
                "category": "external",
                "summary": (ref.get("summary") or "").strip() or ref["url"],
                "url": ref["url"],
            }
        )

    distribution: dict[str, Any] = {"tlp": {"label": CSAF_TLP[tlp], "url": TLP_URL}}
    if tlp in TLP_TEXT:
        distribution["text"] = TLP_TEXT[tlp]

    document: dict[str, Any] = {
        "aggregate_severity": {"text": SEVERITY.get(snap["severity"], snap["severity"])},
        "category": category,
        "csaf_version": "2.0",
        "distribution": distribution,
        "lang": "en",
        "notes": _notes(snap, cves, category),
        "publisher": {
            "category": "coordinator",
            "name": snap["issuer"],
            "namespace": getattr(settings, "CSAF_NAMESPACE", "") or site,
        },
        "references": references,
        "title": snap["title"],
        "tracking": _tracking(revision),
    }
    doc: dict[str, Any] = {"document": document}
    if category == "csaf_security_advisory":
        doc["product_tree"] = _product_tree(products)
        doc["vulnerabilities"] = [
            _vulnerability(v, snap, [p["product_id"] for p in products]) for v in cves
        ]
    elif cves and category != "csaf_informational_advisory":
        # base / incident response: the CVEs without a product tree (no status, no scores)
        doc["vulnerabilities"] = [_vulnerability(v, snap, []) for v in cves]
    return _sorted(doc)


def csaf_bytes(revision) -> bytes:
    """The file as published: UTF-8 JSON with sorted keys (CSAF test 6.2.13)."""
    doc = csaf_document(revision)
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False).encode("utf-8")


def _date(value) -> str:
    """RFC 3339 in UTC, to the second (``2026-05-04T05:12:00Z``)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _tracking(revision) -> dict[str, Any]:
    snap = revision.snapshot
    history = []
    earlier = revision.advisory.revisions.filter(number__lte=revision.number).order_by("number")
    for r in earlier:
        note = (r.snapshot.get("change_note") or r.change_note or "").strip()
        history.append(
            {
                "date": _date(r.snapshot.get("published_at") or r.published_at),
                "number": str(r.number),
                "summary": note
                or ("Initial release." if r.number == 1 else f"Revision {r.number}."),
            }
        )
    aliases = []
    for alias in (snap.get("human_number"), snap.get("reference_no")):
        alias = (alias or "").strip()
        if alias and alias not in aliases and alias != snap["tracking_id"]:
            aliases.append(alias)
    tracking: dict[str, Any] = {
        "current_release_date": _date(snap.get("published_at") or revision.published_at),
        "generator": {"engine": {"name": "Hifazat"}},
        "id": snap["tracking_id"],
        "initial_release_date": history[0]["date"],
        "revision_history": history,
        "status": "final",
        "version": str(revision.number),
    }
    if aliases:
        tracking["aliases"] = aliases
    return tracking


def _notes(snap: dict, cves: list[dict], category: str) -> list[dict[str, str]]:
    notes = [
        {
            "category": "summary",
            "text": html_to_text(snap.get("summary_html") or "") or snap["summary"].strip(),
            "title": "Summary",
        }
    ]
    background = html_to_text(snap.get("background_html") or "")
    if background:
        notes.append({"category": "details", "text": background, "title": "Background"})
    measures = snap.get("measures") or []
    if measures:
        lines = []
        for m in measures:
            flags = ["mandatory" if m.get("mandatory", True) else "optional"]
            if m.get("evidence_required"):
                flags.append("evidence of implementation required")
            lines.append(f"{m['number']}. {m['text'].strip()} ({', '.join(flags)})")
        notes.append(
            {"category": "general", "text": "\n".join(lines), "title": "Recommended measures"}
        )
    indicators = shareable_indicators(snap)
    if indicators:
        lines = []
        for i in indicators:
            line = (
                f"- {INDICATOR_LABEL.get(i['type'], i['type'])}: {i.get('defanged') or i['value']}"
            )
            if (i.get("description") or "").strip():
                line += f" — {i['description'].strip()}"
            lines.append(line)
        notes.append(
            {
                "category": "details",
                "text": "Values are defanged so that none is a live link or address: [.] stands"
                " for a dot, [@] for @, [:] for a colon, hxxp for http.\n" + "\n".join(lines),
                "title": "Indicators of compromise",
            }
        )
    if cves and category == "csaf_informational_advisory":  # no vulnerabilities allowed here
        notes.append(
            {
                "category": "general",
                "text": "\n".join(f"- {_cve_text(v)}" for v in cves),
                "title": "Related vulnerabilities",
            }
        )
    deadlines = []
    if snap.get("ack_due"):
        deadlines.append(f"Acknowledge by {_date(snap['ack_due'])}.")
    if snap.get("act_due"):
        deadlines.append(f"Report the measures taken by {_date(snap['act_due'])}.")
    if deadlines:
        notes.append(
            {
                "category": "general",
                "text": "For the recipients: " + " ".join(deadlines),
                "title": "Deadlines",
            }
        )
    return notes


def shareable_indicators(snap: dict) -> list[dict]:
    """The indicators carried by the advisory's own label: any with a stricter label of their
    own stay out of every export."""
    rank = TLP_RANK[snap["tlp"]]
    return [
        i
        for i in snap.get("indicators") or []
        if not i.get("tlp") or TLP_RANK.get(i["tlp"], 99) <= rank
    ]


def _cve_text(v: dict) -> str:
    """ "CVE-…: CVSS v3.1 9.8 (critical), vector; CVSS v4.0 9.3, vector; known to be exploited"."""
    parts = []
    if v.get("cvss_v31"):
        parts.append(f"CVSS v3.1 base score {v.get('score_v31')}, {v['cvss_v31']}")
    if v.get("cvss_v40"):  # CSAF 2.0 has no field for CVSS v4.0
        parts.append(f"CVSS v4.0 base score {v.get('score_v40')}, {v['cvss_v40']}")
    if v.get("severity"):
        parts.append(f"severity {v['severity']}")
    if v.get("kev"):
        parts.append("known to be exploited")
    return f"{v['cve']}: {'; '.join(parts)}" if parts else v["cve"]


def _vulnerability(v: dict, snap: dict, product_ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "cve": v["cve"],
        "notes": [
            {
                "category": "description",
                "text": f"{_cve_text(v)}. Subject of {snap['human_number']}: {snap['title']}",
                "title": "Vulnerability",
            }
        ],
    }
    if v.get("kev"):
        threat: dict[str, Any] = {
            "category": "exploit_status",
            "details": "Known to be exploited in the wild (listed as a known exploited vulnerability).",
        }
        if product_ids:
            threat["product_ids"] = product_ids
        out["threats"] = [threat]
    if not product_ids:
        return out
    out["product_status"] = {"known_affected": product_ids}
    out["remediations"] = [
        {
            "category": "vendor_fix" if _VENDOR_FIX.search(m["text"]) else "mitigation",
            "details": f"Measure {m['number']}: {m['text'].strip()}",
            "product_ids": product_ids,
        }
        for m in snap.get("measures") or []
    ]
    if v.get("cvss_v31"):
        out["scores"] = [{"cvss_v3": cvss_v3(v["cvss_v31"]), "products": product_ids}]
    return out


def cvss_v3(vector: str) -> dict[str, Any]:
    """FIRST's cvss-v3.x JSON object for a vector (base metrics), scores computed by ``cvss``."""
    from cvss import CVSS3

    data = CVSS3(vector).as_json(minimal=True)
    data["version"] = vector.split("/", 1)[0].split(":", 1)[1]  # "3.1" (or "3.0")
    return data


# --- products ----------------------------------------------------------------------------------


def _products(rows: list[dict]) -> list[dict[str, str]]:
    """Distinct products, numbered CSAFPID-0001… in the order the author listed them."""
    out, seen = [], set()
    for row in rows:
        key = (row["vendor"].strip(), row["name"].strip(), (row.get("versions") or "").strip())
        if key in seen or not key[0] or not key[1]:
            continue
        seen.add(key)
        vendor, name, versions = key
        full = name if name.lower().startswith(vendor.lower()) else f"{vendor} {name}"
        out.append(
            {
                "vendor": vendor,
                "name": name,
                "versions": versions,
                "full_name": f"{full} {versions}".strip(),
                "product_id": f"CSAFPID-{len(out) + 1:04d}",
            }
        )
    return out


def version_branch(versions: str) -> tuple[str, str]:
    """(branch category, branch name) for the versions an author typed: one exact version is a
    ``product_version``; a range becomes a ``product_version_range`` in ``vers`` syntax when it
    is a simple "A to B", "before B" or "A before B", else it keeps the author's words."""
    if _SINGLE.match(versions):
        return "product_version", versions
    if m := _FROM_TO.match(versions):
        return "product_version_range", f"vers:generic/>={m[1]}|<={m[2]}"
    if m := _BEFORE.match(versions):
        return "product_version_range", f"vers:generic/<{m[1]}"
    if m := _LINE_BEFORE.match(versions):
        return "product_version_range", f"vers:generic/>={m[1]}|<{m[2]}"
    return "product_version_range", versions


def _product_tree(products: list[dict]) -> dict[str, Any]:
    vendors: dict[str, dict[str, list[dict]]] = {}
    for p in products:
        vendors.setdefault(p["vendor"], {}).setdefault(p["name"], []).append(p)
    branches = []
    for vendor, names in vendors.items():
        name_branches = []
        for name, items in names.items():
            branch: dict[str, Any] = {"category": "product_name", "name": name}
            leaf = {"name": items[0]["full_name"], "product_id": items[0]["product_id"]}
            if len(items) == 1 and not items[0]["versions"]:
                branch["product"] = leaf
            else:
                children = []
                for p in items:
                    product = {"name": p["full_name"], "product_id": p["product_id"]}
                    if p["versions"]:
                        category, label = version_branch(p["versions"])
                    else:
                        category, label = "product_version_range", "vers:generic/*"
                    children.append({"category": category, "name": label, "product": product})
                branch["branches"] = children
            name_branches.append(branch)
        branches.append({"branches": name_branches, "category": "vendor", "name": vendor})
    return {"branches": branches}


# --- text --------------------------------------------------------------------------------------


class _Text(HTMLParser):
    """Sanitised Markdown HTML → readable plain text (paragraphs, list items, link targets)."""

    BLOCK = {"p", "div", "h2", "h3", "h4", "blockquote", "pre", "table", "tr", "dl", "dt", "dd"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [tag, items so far]
        self.links: list[tuple[str | None, int]] = []  # (href, where its text starts)
        self.pre = 0
        self.line_start = True

    def _emit(self, text: str, line_start: bool) -> None:
        self.out.append(text)
        self.line_start = line_start

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK or tag == "hr":
            self._emit("\n\n", True)
            self.pre += tag == "pre"
        elif tag == "br":
            self._emit("\n", True)
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 0])
            self._emit("\n", True)
        elif tag == "li":
            indent = "  " * max(len(self.lists) - 1, 0)
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] += 1
                self._emit(f"\n{indent}{self.lists[-1][1]}. ", True)
            else:
                self._emit(f"\n{indent}- ", True)
        elif tag in ("td", "th"):
            self._emit(" | ", True)
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.out)))

    def handle_endtag(self, tag):
        if tag in self.BLOCK:
            self._emit("\n\n", True)
            self.pre -= tag == "pre"
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._emit("\n", True)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.out[start:]).strip()
            if href and not href.startswith("mailto:") and href != text:
                self._emit(f" ({href})", False)

    def handle_data(self, data):
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            if self.line_start:
                data = data.lstrip()
        if data:
            self._emit(data, False)


def html_to_text(html: str) -> str:
    """Plain text of sanitised HTML (the snapshot keeps the background only as HTML)."""
    if not html.strip():
        return ""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "\n".join(line.rstrip() for line in "".join(parser.out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _sorted(value):
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


# --- validation --------------------------------------------------------------------------------

_import_lock = threading.Lock()
_validate = None


def _validator():
    """The ``csaf`` package's CSAF 2.0 validator, imported on first use. Importing ``csaf``
    calls ``logging.basicConfig``; the root logger is put back as it was."""
    global _validate
    if _validate is None:
        with _import_lock:
            if _validate is None:
                root = logging.getLogger()
                handlers, level = list(root.handlers), root.level
                try:
                    from csaf.csaf.v20._validator import validate
                finally:
                    for handler in list(root.handlers):
                        if handler not in handlers:
                            root.removeHandler(handler)
                    root.setLevel(level)
                _validate = validate
    return _validate


def validate_csaf(doc: dict, *, preset: str = "basic") -> list[str]:
    """Run the schema and the tests of ``preset`` ("basic": schema + mandatory tests 6.1.x;
    "extended" adds the recommended 6.2.x). Returns one line per failure; empty when valid."""
    report = _validator()(doc, preset=preset)
    failures = []
    for result in report.results:
        if result.passed or result.skipped or result.group == "informative":
            continue
        if not result.errors:
            failures.append(f"{result.id} {result.title}")
        for error in result.errors:
            failures.append(f"{result.id} {result.title}: {error.instance_path}: {error.message}")
    if not report.overall_valid and not failures:
        failures.append("the CSAF validator reports the document as invalid")
    return failures
