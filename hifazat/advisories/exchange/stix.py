"""STIX 2.1 export of a published advisory revision, filtered by the TLP policy for one reader.

What goes into the bundle
=========================

======================  ===================================================================
advisory revision       ``report`` (name, published, description = summary, ``object_refs``,
                        ``report_types``, ``labels`` = kind and severity, external references
                        = the tracking id and the advisory's reference links)
issuer                  ``identity`` (organization, sector government-national), the
                        ``created_by_ref`` of every other object
indicator               ``indicator`` with a STIX pattern (table below), only those the reader
                        may see (:func:`hifazat.advisories.policy.allowed_parts`), each marked
                        with its own label when that is stricter than the advisory's
vulnerability           ``vulnerability`` named by its CVE, with an external reference
                        ``{"source_name": "cve", "external_id": "CVE-…"}``
measure                 ``course-of-action`` + ``relationship`` ``mitigates``: to each
                        vulnerability (vulnerability advisories), otherwise to each indicator
                        the reader may see; with neither, the course of action stands alone in
                        the report. A relationship carries the stricter label of its two ends
TLP                     the fixed OASIS TLP 2.0 ``marking-definition`` objects (extension
                        ``extension-definition--60a3c5c5-…``), copied verbatim and included in
                        the bundle; every other object lists its label in
                        ``object_marking_refs``. The issuer's identity is public: TLP:CLEAR.
======================  ===================================================================

Indicator patterns
==================

========  ==================================================
ipv4      ``[ipv4-addr:value = '…']``
ipv6      ``[ipv6-addr:value = '…']``
domain    ``[domain-name:value = '…']``
url       ``[url:value = '…']``
email     ``[email-addr:value = '…']``
md5       ``[file:hashes.MD5 = '…']``
sha1      ``[file:hashes.'SHA-1' = '…']``
sha256    ``[file:hashes.'SHA-256' = '…']``
filename  ``[file:name = '…']``
app       ``[software:name = '…']`` (the package name, e.g. ``com.example.app``)
phone     **omitted**: STIX 2.1 has no observable for a phone number, and a custom
          ``x-…`` type would be understood by no consumer.
========  ==================================================

Identifiers are deterministic UUIDv5s, so exporting the same revision again gives the same
bundle, and a later revision gives new *versions* (same id and ``created``, later
``modified``) of the same objects: the namespace is the advisory's ``uid`` and the name says
the part (``report``, ``indicator/<type>/<value>``, ``vulnerability/<cve>``,
``course-of-action/<number>``, ``relationship/<source>/<target>``). The issuer's identity is
named from the issuer's code in a fixed Hifazat namespace, so it is one object across
advisories (its name and dates are the organisation record's, not the snapshot's). (stix2-validator's *should* check ``uuid-check`` recommends UUIDv4 for domain
objects; stable re-exports are worth that warning. Its check ``extref-hashes`` likewise
warns that the advisory's reference links carry no hash of the page they point to.)
"""

from __future__ import annotations

import json
import uuid

from django.http import Http404
from stix2.v21 import CourseOfAction, Identity, Indicator, Relationship, Report, Vulnerability

from hifazat.advisories import policy
from hifazat.advisories.models import Advisory, Revision, Tlp, stricter

# Namespace for ids that do not belong to one advisory (the issuer's identity).
HIFAZAT_NAMESPACE = uuid.UUID("5b0b7e56-3f1c-5d8e-9a57-6c1f0e2d4a10")

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

# The OASIS TLP 2.0 marking definitions (cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0): fixed ids, never generated.
TLP_MARKING_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def tlp_marking(label: str) -> dict:
    """The OASIS marking-definition object for a TLP 2.0 label, exactly as published."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_MARKING_IDS[label],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{label}",
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": label.lower()}
        },
    }


def _escape(value: str) -> str:
    """A string literal for a STIX pattern: backslashes and single quotes escaped."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


PATTERN_PATHS = {
    "ipv4": "ipv4-addr:value",
    "ipv6": "ipv6-addr:value",
    "domain": "domain-name:value",
    "url": "url:value",
    "email": "email-addr:value",
    "md5": "file:hashes.MD5",
    "sha1": "file:hashes.'SHA-1'",
    "sha256": "file:hashes.'SHA-256'",
    "filename": "file:name",
    "app": "software:name",
    # "phone": no STIX 2.1 observable; omitted from the bundle
}


def stix_pattern(kind: str, value: str) -> str | None:
    """The STIX pattern for one indicator, or None for a type STIX cannot express."""
    path = PATTERN_PATHS.get(kind)
    if path is None:
        return None
    if kind in ("md5", "sha1", "sha256", "domain", "email"):
        value = value.lower()
    return f"[{path} = '{_escape(value)}']"


REPORT_TYPES = {
    Advisory.Kind.VULNERABILITY: "vulnerability",
}


def _ids(advisory: Advisory):
    def make(kind: str, name: str) -> str:
        return f"{kind}--{uuid.uuid5(advisory.uid, name)}"

    return make


def _first_published(revision: Revision):
    first = (
        Revision.objects.filter(advisory_id=revision.advisory_id)
        .order_by("number")
        .values_list("published_at", flat=True)
        .first()
    )
    return min(first, revision.published_at) if first else revision.published_at


def _plain(obj) -> dict:
    return json.loads(obj.serialize())


def stix_bundle(revision: Revision, user) -> dict:
    """The STIX 2.1 bundle of ``revision`` as ``user`` may see it (Http404 if they may not)."""
    advisory = revision.advisory
    snap = revision.snapshot
    label = snap["tlp"]
    if not policy.can_view(user, advisory, label):
        raise Http404
    make_id = _ids(advisory)
    created = _first_published(revision)
    modified = max(revision.published_at, created)
    used_labels = {Tlp.CLEAR, label}

    def marks(lbl: str) -> list[str]:
        used_labels.add(lbl)
        return [TLP_MARKING_IDS[lbl]]

    # One identity per issuer across all advisories: its versions follow the organisation
    # record (current name, created and updated times), never an advisory's dates.
    issuer = advisory.issuer
    identity_id = f"identity--{uuid.uuid5(HIFAZAT_NAMESPACE, 'identity/' + issuer.code)}"
    identity = Identity(
        id=identity_id,
        created=issuer.created_at,
        modified=max(issuer.updated_at, issuer.created_at),
        name=issuer.name,
        identity_class="organization",
        sectors=["government-national"],
        object_marking_refs=marks(Tlp.CLEAR),
    )
    common = {"created": created, "modified": modified, "created_by_ref": identity_id}

    # Indicators the reader may see, each with its effective (never looser) label.
    labelled = [
        {**i, "tlp": stricter(i.get("tlp") or None, label)} for i in snap.get("indicators", [])
    ]
    indicators, indicator_labels = [], {}
    for item in policy.allowed_parts(user, advisory, labelled):
        pattern = stix_pattern(item["type"], item["value"])
        if pattern is None:
            continue
        ind_id = make_id("indicator", f"indicator/{item['type']}/{item['value']}")
        if ind_id in indicator_labels:
            continue
        indicator_labels[ind_id] = item["tlp"]
        indicators.append(
            Indicator(
                id=ind_id,
                # the name is shown to people: defanged, never a live link
                name=f"{item['type']}: {item.get('defanged') or item['value']}",
                description=item.get("description") or f"Indicator of {snap['tracking_id']}",
                indicator_types=["malicious-activity"],
                pattern=pattern,
                pattern_type="stix",
                pattern_version="2.1",
                valid_from=created,
                object_marking_refs=marks(item["tlp"]),
                **common,
            )
        )

    vulnerabilities = []
    for v in snap.get("vulnerabilities", []):
        scores = [
            f"CVSS v{ver} {v[vec]}" + (f" ({v[score]})" if v.get(score) else "")
            for ver, vec, score in (
                ("3.1", "cvss_v31", "score_v31"),
                ("4.0", "cvss_v40", "score_v40"),
            )
            if v.get(vec)
        ]
        extra = {"description": "; ".join(scores)} if scores else {}
        if v.get("kev"):
            extra["labels"] = ["known-exploited"]
        vulnerabilities.append(
            Vulnerability(
                id=make_id("vulnerability", f"vulnerability/{v['cve']}"),
                name=v["cve"],
                external_references=[{"source_name": "cve", "external_id": v["cve"]}],
                object_marking_refs=marks(label),
                **extra,
                **common,
            )
        )

    # What the measures mitigate: the CVEs of a vulnerability advisory, otherwise the
    # indicators (falling back to whichever of the two there is).
    if snap.get("kind") == Advisory.Kind.VULNERABILITY:
        targets = [(v.id, label) for v in vulnerabilities] or [
            (i.id, indicator_labels[i.id]) for i in indicators
        ]
    else:
        targets = [(i.id, indicator_labels[i.id]) for i in indicators] or [
            (v.id, label) for v in vulnerabilities
        ]
    courses, relationships = [], []
    for m in snap.get("measures", []):
        text = m["text"].strip()
        name = text.splitlines()[0] if text else f"Measure {m['number']}"
        coa = CourseOfAction(
            id=make_id("course-of-action", f"course-of-action/{m['number']}"),
            name=f"{m['number']}. {name[:200]}",
            description=text or name,
            object_marking_refs=marks(label),
            **common,
        )
        courses.append(coa)
        for target_id, target_label in targets:
            relationships.append(
                Relationship(
                    id=make_id("relationship", f"relationship/{coa.id}/{target_id}"),
                    relationship_type="mitigates",
                    source_ref=coa.id,
                    target_ref=target_id,
                    object_marking_refs=marks(stricter(target_label, label)),
                    **common,
                )
            )

    external_references = [
        {"source_name": snap["issuer_code"], "external_id": snap["tracking_id"]}
    ]
    for ref in snap.get("references", []):
        entry = {"source_name": "reference", "url": ref["url"]}
        if ref.get("summary"):
            entry["description"] = ref["summary"]
        external_references.append(entry)
    report_types = [REPORT_TYPES.get(snap.get("kind"), "threat-report")]
    if indicators:
        report_types.append("indicator")
    parts = [*indicators, *vulnerabilities, *courses, *relationships]
    report = Report(
        id=make_id("report", "report"),
        name=snap["title"],
        description=snap.get("summary") or snap["title"],
        published=revision.published_at,
        report_types=report_types,
        labels=[f"kind:{snap.get('kind')}", f"severity:{snap.get('severity')}"],
        object_refs=[identity_id, *(p.id for p in parts)],
        external_references=external_references,
        object_marking_refs=marks(label),
        **common,
    )
    markings = [tlp_marking(lbl) for lbl in TLP_MARKING_IDS if lbl in used_labels]  # in TLP order
    objects = [*markings, *(_plain(o) for o in (identity, report, *parts))]
    bundle_name = f"bundle/{revision.number}/" + ",".join(sorted(o["id"] for o in objects))
    return {"type": "bundle", "id": make_id("bundle", bundle_name), "objects": objects}


def stix_bytes(revision: Revision, user) -> bytes:
    """:func:`stix_bundle` as UTF-8 JSON: sorted keys, indented, newline-terminated."""
    bundle = stix_bundle(revision, user)
    return (json.dumps(bundle, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
