"""The vulnerability-prioritisation lab: its definition, and for 50 seeds that every answer is
in the evidence (re-derived here from the three files with simple parsing of our own), that the
checkers accept what a learner would naturally type and refuse the next seed's answers and the
tempting wrong ones, that cases are deterministic, and that the files look like the real
thing (a scanner CSV export, a CISA-format KEV catalogue, an asset register)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
from collections import Counter
from datetime import date, datetime, timedelta
from functools import cache

import pytest

from hifazat.labs import checkers, registry
from hifazat.labs.catalogue.vuln_prioritisation.generator import generate
from hifazat.labs.tests import labkit
from hifazat.labs.tests.labkit import texts

SEEDS = range(50)
QUESTIONS = (
    "kev-findings",
    "emergency-hosts",
    "patch-first",
    "deadline",
    "ransomware-cves",
    "most-kev-host",
    "internet-critical",
)
IDENTIFYING = ("emergency-hosts", "patch-first", "deadline", "ransomware-cves", "most-kev-host")
CVE = re.compile(r"CVE-(2025|2026)-9\d{4}")
SCAN_COLUMNS = [
    "plugin_id",
    "host",
    "ip",
    "port",
    "protocol",
    "name",
    "cve",
    "cvss_v3",
    "severity",
]
KEV_FIELDS = {
    "cveID",
    "vendorProject",
    "product",
    "vulnerabilityName",
    "dateAdded",
    "shortDescription",
    "requiredAction",
    "dueDate",
    "knownRansomwareCampaignUse",
    "notes",
    "cwes",
}


definition, question, case, check = labkit.bind("vuln_prioritisation", generate)


def score(row: dict) -> float | None:
    return float(row["cvss_v3"]) if row["cvss_v3"] else None


@cache
def facts(seed: int) -> dict:
    """What an analyst derives from the three files and the README alone."""
    files = case(seed).files
    scan_reader = csv.DictReader(io.StringIO(files["scan_export.csv"]))
    assert scan_reader.fieldnames == SCAN_COLUMNS
    scan = list(scan_reader)
    catalogue = json.loads(files["kev.json"])
    kev = {v["cveID"]: v for v in catalogue["vulnerabilities"]}
    assets = {r["host"]: r for r in csv.DictReader(io.StringIO(files["assets.csv"]))}
    issued = re.search(
        r"^Report issued\s*: (\d{4}-\d\d-\d\d \d\d:\d\d) PKT", files["README.txt"], re.M
    )

    def internet(host: str) -> bool:
        return assets[host]["internet_facing"] == "yes"

    kev_rows = [r for r in scan if r["cve"] in kev]
    hot = [
        r for r in kev_rows if internet(r["host"]) and assets[r["host"]]["criticality"] == "high"
    ]
    best = max(score(r) for r in hot)
    tops = {r["cve"] for r in hot if score(r) == best}
    assert len(tops) == 1, tops
    top = tops.pop()
    issued_at = datetime.strptime(issued[1], "%Y-%m-%d %H:%M")
    due = date.fromisoformat(kev[top]["dueDate"])
    deadline = min((issued_at + timedelta(hours=72)).date(), due)
    per_host = Counter(r["host"] for r in kev_rows)
    (most, n_most), (_, n_next) = per_host.most_common(2)
    assert n_most > n_next
    return {
        "scan": scan,
        "kev": kev,
        "catalogue": catalogue,
        "assets": assets,
        "issued": issued_at,
        "kev_rows": kev_rows,
        "best": best,
        "top": top,
        "due": due,
        "answers": {
            "kev-findings": len(kev_rows),
            "emergency-hosts": sorted({r["host"] for r in kev_rows if internet(r["host"])}),
            "patch-first": top,
            "deadline": deadline.isoformat(),
            "ransomware-cves": sorted(
                {
                    r["cve"]
                    for r in kev_rows
                    if kev[r["cve"]]["knownRansomwareCampaignUse"] == "Known"
                }
            ),
            "most-kev-host": most,
            "internet-critical": len(
                {r["host"] for r in scan if internet(r["host"]) and (score(r) or 0) >= 9.0}
            ),
        },
    }


def natural(seed: int) -> dict[str, str]:
    """What a learner would type."""
    a = facts(seed)["answers"]
    return {
        "kev-findings": str(a["kev-findings"]),
        "emergency-hosts": ", ".join(reversed(a["emergency-hosts"])),
        "patch-first": a["patch-first"],
        "deadline": a["deadline"],
        "ransomware-cves": ", ".join(a["ransomware-cves"]),
        "most-kev-host": a["most-kev-host"],
        "internet-critical": str(a["internet-critical"]),
    }


# --- the definition -------------------------------------------------------------------------


def test_the_package_loads_and_matches_the_brief():
    registry.read("vuln_prioritisation")  # the loader's own checks, including generate(0)
    d = definition()
    assert d["slug"] == "vuln-prioritisation" and d["version"] == 1
    names = ["scan_export.csv", "kev.json", "assets.csv", "README.txt"]
    assert [e["name"] for e in d["evidence"]] == names
    assert list(case(0).files) == names
    assert 150 <= len(d["scenario"]["en"].split()) <= 350
    assert tuple(q["id"] for q in d["questions"]) == QUESTIONS
    kinds = {q["id"]: q["checker"] for q in d["questions"]}
    assert kinds == {
        "kev-findings": "integer",
        "emergency-hosts": "set",
        "patch-first": "text",
        "deadline": "text",
        "ransomware-cves": "set",
        "most-kev-host": "text",
        "internet-critical": "integer",
    }
    for q in d["questions"]:
        checkers.get(q["checker"]).validate(q["options"])
        assert 1 <= len(q["hints"]) <= 2 and all(1 <= h["cost"] <= 5 for h in q["hints"])
        for part in (q["prompt"], q["explanation"], *(h["text"] for h in q["hints"])):
            assert part["en"].strip() and part["ur"].strip()
            assert re.search(r"[\u0600-\u06ff]", part["ur"]), part["ur"]


def test_no_text_gives_away_an_answer():
    words = "\n".join(texts(definition())).casefold()
    for seed in SEEDS:
        a = case(seed).answers
        values = [
            a["patch-first"],
            a["most-kev-host"],
            a["deadline"],
            *a["emergency-hosts"],
            *a["ransomware-cves"],
        ]
        for value in values:
            assert value.casefold() not in words, value


# --- every seed -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_answer_is_in_the_evidence(seed):
    c, f = case(seed), facts(seed)
    assert set(c.answers) == set(QUESTIONS)
    for qid in QUESTIONS:
        q = question(qid)
        checkers.get(q["checker"]).validate_expected(c.answers[qid], q["options"])
    assert c.answers == f["answers"]

    # every answer can be seen in the files
    scan_text = c.files["scan_export.csv"]
    assert c.answers["patch-first"] in scan_text and c.answers["patch-first"] in f["kev"]
    assert all(h in f["assets"] and h in scan_text for h in c.answers["emergency-hosts"])
    assert c.answers["most-kev-host"] in f["assets"]
    assert all(cve in scan_text and cve in f["kev"] for cve in c.answers["ransomware-cves"])
    deadline = c.answers["deadline"]
    assert (
        deadline == f["kev"][f["top"]]["dueDate"]
        or deadline == (f["issued"] + timedelta(days=3)).date().isoformat()
    )
    assert 1 <= len(c.answers["ransomware-cves"]) <= 2
    assert len(c.answers["emergency-hosts"]) >= 2


@pytest.mark.parametrize("seed", SEEDS)
def test_the_checkers_accept_natural_answers_and_refuse_the_next_seeds(seed):
    c, mine, theirs = case(seed), natural(seed), natural(seed + 1)
    for qid, submitted in mine.items():
        assert check(qid, c.answers[qid], submitted).correct, (qid, submitted)
    for qid in IDENTIFYING:
        assert not check(qid, c.answers[qid], theirs[qid]).correct, (qid, theirs[qid])
    assert check("patch-first", c.answers["patch-first"], mine["patch-first"].lower()).correct
    hosts = "\n".join(c.answers["emergency-hosts"])
    assert check("emergency-hosts", c.answers["emergency-hosts"], hosts).correct
    partial = check(
        "emergency-hosts", c.answers["emergency-hosts"], c.answers["emergency-hosts"][0]
    )
    assert not partial.correct and 0 < partial.score < 1

    # the tempting wrong answers are refused
    f = facts(seed)
    highest_kev = max(f["kev_rows"], key=lambda r: score(r))
    assert not check("patch-first", c.answers["patch-first"], highest_kev["cve"]).correct
    hot_hosts = {
        h
        for h, a in f["assets"].items()
        if a["internet_facing"] == "yes" and a["criticality"] == "high"
    }
    highest_hot = max((r for r in f["scan"] if r["host"] in hot_hosts and r["cve"]), key=score)
    assert not check("patch-first", c.answers["patch-first"], highest_hot["cve"]).correct
    all_kev_hosts = ", ".join(sorted({r["host"] for r in f["kev_rows"]}))
    assert not check("emergency-hosts", c.answers["emergency-hosts"], all_kev_hosts).correct


@pytest.mark.parametrize("seed", SEEDS)
def test_the_evidence_is_realistic(seed):
    c, f = case(seed), facts(seed)
    scan, kev, assets = f["scan"], f["kev"], f["assets"]

    # the asset register: 40-60 hosts, every scanned host on it, a few not scanned
    assert 40 <= len(assets) <= 60
    scanned = {r["host"] for r in scan}
    assert scanned < set(assets.keys()) and 2 <= len(assets) - len(scanned) <= 4
    for a in assets.values():
        assert a["internet_facing"] in ("yes", "no") and a["criticality"] in (
            "high",
            "medium",
            "low",
        )
        assert re.fullmatch(r"10\.\d+\.\d+\.\d+|172\.16\.\d+\.\d+", a["ip"])
    assert len({a["ip"] for a in assets.values()}) == len(assets)
    readme = c.files["README.txt"]
    assert re.search(rf"^Hosts scanned\s*: {len(scanned)}$", readme, re.M)
    assert re.search(rf"^Findings exported: {len(scan)} rows$", readme, re.M)

    # the scan: ip and host agree with the register, severities agree with the scores
    cves = {r["cve"] for r in scan if r["cve"]}
    assert 10 <= len(cves) <= 25 and all(CVE.fullmatch(x) for x in cves)
    assert 3 <= len(cves & set(kev)) <= 6
    for r in scan:
        assert r["ip"] == assets[r["host"]]["ip"]
        s = score(r)
        expected = (
            "Info"
            if s is None
            else "Critical"
            if s >= 9.0
            else "High"
            if s >= 7.0
            else "Medium"
            if s >= 4.0
            else "Low"
        )
        assert r["severity"] == expected
        assert r["cve"] == "" or s is not None
    assert 300 <= len(scan) <= 900

    # the catalogue: CISA field names, consistent dates, many entries not in this network
    catalogue = f["catalogue"]
    assert catalogue["count"] == len(catalogue["vulnerabilities"]) == len(kev)
    for v in kev.values():
        assert set(v) == KEV_FIELDS and CVE.fullmatch(v["cveID"])
        added = date.fromisoformat(v["dateAdded"])
        assert date.fromisoformat(v["dueDate"]) == added + timedelta(days=21)
        assert v["cveID"][4:8] <= str(added.year)
        assert added <= f["issued"].date()
        assert v["knownRansomwareCampaignUse"] in ("Known", "Unknown")
    assert catalogue["catalogVersion"] == max(v["dateAdded"] for v in kev.values()).replace(
        "-", "."
    )
    assert len(set(kev) - cves) >= 20

    # the lessons are there: CVSS alone, KEV alone and the address alone all mislead
    assert any(score(r) > f["best"] for r in f["kev_rows"])
    assert any(assets[r["host"]]["internet_facing"] == "no" for r in f["kev_rows"])
    assert any(
        r["cve"] not in kev
        and score(r) is not None
        and score(r) > f["best"]
        and assets[r["host"]]["internet_facing"] == "yes"
        and assets[r["host"]]["criticality"] == "high"
        for r in scan
    )
    assert f["due"] > f["issued"].date()  # the first CVE is not already overdue

    for name in ("scan_export.csv", "kev.json", "assets.csv"):
        assert hashlib.sha256(c.files[name].encode()).hexdigest() in readme


def test_the_cases_vary():
    deadlines_from_due = sum(
        case(s).answers["deadline"] == facts(s)["kev"][facts(s)["top"]]["dueDate"] for s in SEEDS
    )
    assert 5 <= deadlines_from_due <= 45  # both clocks decide in some cases
    # near misses: ransomware entries and products of this network that are not in the scan
    for seed in SEEDS[:10]:
        f = facts(seed)
        scanned = {r["cve"] for r in f["scan"] if r["cve"]}
        absent = [v for k, v in f["kev"].items() if k not in scanned]
        assert any(v["knownRansomwareCampaignUse"] == "Known" for v in absent)
    near = 0
    for seed in SEEDS:
        f = facts(seed)
        scanned = {r["cve"] for r in f["scan"] if r["cve"]}
        text = f["scan"]
        names = " ".join(r["name"] for r in text)
        near += any(k not in scanned and v["product"] in names for k, v in f["kev"].items())
    assert near >= 40


def test_cases_are_deterministic():
    for seed in (0, 17, 2**55 + 3):
        first, again = generate(seed), generate(seed)
        assert first.files == again.files
        assert first.answers == again.answers and first.notes == again.notes
    assert generate(1).files["scan_export.csv"] != generate(2).files["scan_export.csv"]
    # Speed is measured, not asserted (about 5 ms a case); only a pathological slowdown fails.
    started = time.perf_counter()
    generate(100)
    assert time.perf_counter() - started < 2.0
