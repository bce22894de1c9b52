"""The "Advisory to action" lab: its definition, and for 50 seeds that every answer is in the
evidence (re-derived here from the files with simple parsing of our own), that the checkers
accept what a learner would naturally type and refuse the next seed's identifying answers, that
cases are deterministic, and that the logs look like real Squid and Zeek logs."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from hifazat.labs import checkers, registry
from hifazat.labs.catalogue.advisory_to_action import generator
from hifazat.labs.catalogue.advisory_to_action.generator import generate
from hifazat.labs.tests import labkit
from hifazat.labs.tests.labkit import texts

FOLDER = Path(registry.CATALOGUE) / "advisory_to_action"
DEMO = Path(registry.CATALOGUE).parent.parent / "demo" / "data" / "advisories.yaml"
SEEDS = range(50)
PKT = timezone(timedelta(hours=5))
QUESTIONS = (
    "indicators-found",
    "first-ip",
    "first-host",
    "first-time",
    "first-division",
    "host-count",
    "indicator-requests",
    "measures",
)
IDENTIFYING = ("indicators-found", "first-ip", "first-host", "first-time", "measures")
SQUID = re.compile(
    r"(?P<ts>\d{10}\.\d{3}) +(?P<elapsed>\d+) (?P<client>10(?:\.\d{1,3}){3}) "
    r"(?P<code>[A-Z_]+)/(?P<status>\d{3}) (?P<bytes>\d+) (?P<method>[A-Z]+) (?P<url>\S+) - "
    r"(?P<hier>HIER_[A-Z]+/\S+) (?P<type>\S+)"
)
DOC_NET = re.compile(r"(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}")


definition, question, case, check = labkit.bind("advisory_to_action", generate)


def host_of(method: str, url: str) -> str:
    return url.rsplit(":", 1)[0] if method == "CONNECT" else urlsplit(url).hostname


@cache
def proxy(seed: int) -> list[dict]:
    lines = case(seed).files["proxy.log"].splitlines()
    matches = [SQUID.fullmatch(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches, strict=True) if not m][:3]
    rows = [m.groupdict() for m in matches]
    for row in rows:
        row["host"] = host_of(row["method"], row["url"])
    return rows


@cache
def dns(seed: int) -> list[dict]:
    text = case(seed).files["dns.log"]
    fields = next(line for line in text.splitlines() if line.startswith("#fields"))
    names = fields.split("\t")[1:]
    rows = []
    for line in text.splitlines():
        if not line.startswith("#"):
            values = line.split("\t")
            assert len(values) == len(names), line
            rows.append(dict(zip(names, values, strict=True)))
    return rows


@cache
def advisory_indicators(seed: int) -> list[str]:
    """The network indicators, read from advisory.txt's table."""
    text = case(seed).files["advisory.txt"]
    table = text.split("INDICATORS OF COMPROMISE", 1)[1].split("REFERENCES", 1)[0]
    return [
        line.split()[1]
        for line in table.splitlines()
        if line.split() and line.split()[0] in ("ipv4", "domain")
    ]


@cache
def facts(seed: int) -> dict:
    """What an analyst derives from the files alone."""
    c = case(seed)
    indicators = advisory_indicators(seed)
    hits = [row for row in proxy(seed) if row["host"] in indicators]
    queried = {row["query"] for row in dns(seed)}
    found = [v for v in indicators if v in queried or any(r["host"] == v for r in hits)]
    first = min(hits, key=lambda r: float(r["ts"]))
    leases = {r["ip"]: r for r in csv.DictReader(io.StringIO(c.files["dhcp_leases.csv"]))}
    when = datetime.fromtimestamp(float(first["ts"]), tz=UTC).astimezone(PKT)
    readme = c.files["README.txt"]
    notes = readme.split("(IT wing notes)", 1)[1]
    notes = " ".join(notes.split())
    measures = ["1"]
    if "still enabled" in notes:
        measures.append("2")
    if "password only" in notes:
        measures.append("3")
    if "no offline or immutable copy" in notes or "no restore from them has ever" in notes:
        measures.append("4")
    if "no search for the advisory's file hashes" in notes:
        measures.append("5")
    measures.append("6")
    return {
        "found": found,
        "hits": hits,
        "first": first,
        "lease": leases[first["client"]],
        "leases": leases,
        "when": when,
        "clients": {r["client"] for r in hits},
        "measures": measures,
    }


def natural(seed: int) -> dict[str, str]:
    """What a learner would type."""
    f = facts(seed)
    return {
        "indicators-found": ", ".join(f["found"]),
        "first-ip": f["first"]["client"],
        "first-host": f["lease"]["hostname"],
        "first-time": f"{f['when']:%Y-%m-%d %H:%M:%S}",
        "first-division": f["lease"]["owner_division"],
        "host-count": str(len(f["clients"])),
        "indicator-requests": str(len(f["hits"])),
        "measures": ", ".join(f["measures"]),
    }


# --- the definition -------------------------------------------------------------------------


def test_the_package_loads_and_matches_the_brief():
    registry.read("advisory_to_action")  # the loader's own checks, including generate(0)
    d = definition()
    assert d["slug"] == "advisory-to-action" and d["version"] == 1
    names = ["advisory.txt", "proxy.log", "dns.log", "dhcp_leases.csv", "README.txt"]
    assert [e["name"] for e in d["evidence"]] == names
    assert list(case(0).files) == names
    assert tuple(q["id"] for q in d["questions"]) == QUESTIONS
    kinds = [q["checker"] for q in d["questions"]]
    assert kinds == ["set", "ip", "text", "datetime", "text", "integer", "integer", "set"]
    assert question("first-time")["options"]["timezone"] == "Asia/Karachi"
    for q in d["questions"]:
        checkers.get(q["checker"]).validate(q["options"])
        assert 1 <= len(q["hints"]) <= 2 and all(1 <= h["cost"] <= 5 for h in q["hints"])
        for part in (q["prompt"], q["explanation"], *(h["text"] for h in q["hints"])):
            assert part["en"].strip() and part["ur"].strip()
            assert re.search(r"[\u0600-\u06ff]", part["ur"]), part["ur"]


def test_the_lab_is_linked_to_the_demo_advisory_and_its_copy_is_faithful():
    title = definition()["advisory_title"]
    demo = next(a for a in yaml.safe_load(DEMO.read_text(encoding="utf-8")) if a["title"] == title)
    copy = yaml.safe_load((FOLDER / "advisory.yaml").read_text(encoding="utf-8"))
    assert copy == demo
    text = case(0).files["advisory.txt"]
    flat = " ".join(text.split())
    assert " ".join(title.split()) in flat and " ".join(demo["summary"].split()) in flat
    for n, measure in enumerate(demo["measures"], 1):
        assert f"{n}. {' '.join(measure['text'].split())}" in flat
    for line in demo["indicators"]:
        kind, value, desc = line.split(" ", 2)
        assert re.search(rf"^{kind} +{re.escape(value)} +{re.escape(desc)}$", text, re.M)
    assert advisory_indicators(0) == generator.NETWORK and len(generator.NETWORK) == 3


def test_no_text_gives_away_an_answer():
    words = "\n".join(texts(definition())).casefold()
    assert not DOC_NET.search(words)
    for value in generator.NETWORK:
        assert value.casefold() not in words
    for name, code in generator.DIVISIONS:
        assert name.casefold() not in words and f"-{code.casefold()}-" not in words
    for seed in SEEDS:
        for qid in ("first-ip", "first-host", "first-division"):
            assert case(seed).answers[qid].casefold() not in words


# --- every seed -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_answer_is_in_the_evidence(seed):
    c, f = case(seed), facts(seed)
    assert set(c.answers) == set(QUESTIONS)
    for qid in QUESTIONS:
        q = question(qid)
        checkers.get(q["checker"]).validate_expected(c.answers[qid], q["options"])

    assert sorted(c.answers["indicators-found"]) == sorted(f["found"])
    assert 1 <= len(f["found"]) <= 3
    # the indicators not found appear nowhere: no URL host, server, DNS query or DNS answer
    seen = {r["host"] for r in proxy(seed)} | {r["hier"].split("/", 1)[1] for r in proxy(seed)}
    for q in dns(seed):
        seen |= {q["query"], *q["answers"].split(",")}
    assert set(generator.NETWORK) & seen == set(f["found"])
    assert c.answers["first-ip"] == f["first"]["client"]
    assert c.answers["first-host"] == f["lease"]["hostname"]
    assert c.answers["first-division"] == f["lease"]["owner_division"]
    assert abs(datetime.fromisoformat(c.answers["first-time"]) - f["when"]) < timedelta(seconds=1)
    assert c.answers["first-time"].endswith("+05:00")
    assert c.answers["host-count"] == len(f["clients"]) and 1 <= len(f["clients"]) <= 3
    assert c.answers["indicator-requests"] == len(f["hits"])
    assert c.answers["measures"] == f["measures"]
    readme = c.files["README.txt"]
    assert "UTC" in readme and "Asia/Karachi" in readme and "UTC+05:00" in readme
    assert hashlib.sha256(c.files["proxy.log"].encode()).hexdigest() in readme
    assert hashlib.sha256(c.files["dns.log"].encode()).hexdigest() in readme


@pytest.mark.parametrize("seed", SEEDS)
def test_the_checkers_accept_natural_answers_and_refuse_the_next_seeds(seed):
    c, mine, theirs = case(seed), natural(seed), natural(seed + 1)
    for qid, submitted in mine.items():
        assert check(qid, c.answers[qid], submitted).correct, (qid, submitted)
    for qid in IDENTIFYING:
        assert not check(qid, c.answers[qid], theirs[qid]).correct, (qid, theirs[qid])
    f = facts(seed)
    utc = f"{f['when'].astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"
    assert check("first-time", c.answers["first-time"], utc).correct
    naive_utc = f"{f['when'].astimezone(UTC):%Y-%m-%d %H:%M:%S}"  # forgot to convert
    assert not check("first-time", c.answers["first-time"], naive_utc).correct
    assert check("first-host", c.answers["first-host"], mine["first-host"].lower()).correct
    reordered = "\n".join(reversed(f["found"]))
    assert check("indicators-found", c.answers["indicators-found"], reordered).correct
    everything = ", ".join(generator.NETWORK)
    if len(f["found"]) < len(generator.NETWORK):
        assert not check("indicators-found", c.answers["indicators-found"], everything).correct
    assert not check("measures", c.answers["measures"], "1, 2, 3, 4, 5, 6").correct or (
        c.answers["measures"] == ["1", "2", "3", "4", "5", "6"]
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_the_logs_are_realistic(seed):
    c, rows, f = case(seed), proxy(seed), facts(seed)
    assert 3_000 <= len(rows) <= 6_000
    times = [float(r["ts"]) for r in rows]
    assert times == sorted(times)
    start = datetime.fromisoformat(c.notes["start"]).replace(tzinfo=PKT)
    assert start.weekday() < 4  # two working days, Monday to Friday
    assert all(start.timestamp() <= t < start.timestamp() + 2 * 86400 for t in times)
    # every client is in the DHCP leases; every server address is from a documentation range
    assert {r["client"] for r in rows} <= set(f["leases"])
    for r in rows:
        server = r["hier"].split("/", 1)[1]
        assert server == "-" or DOC_NET.fullmatch(server)
        assert r["host"].endswith(".example") or DOC_NET.fullmatch(r["host"])
    assert len({r["client"] for r in rows}) >= 25
    assert sum(r["host"] not in generator.NETWORK for r in rows) > 2_900
    codes = {r["code"] for r in rows}
    assert {"TCP_TUNNEL", "TCP_MISS"} <= codes
    # the domain indicator is looked up in DNS by the computers that fetch it, just before
    for value in f["found"]:
        if not DOC_NET.fullmatch(value):
            lookups = [r for r in dns(seed) if r["query"] == value]
            assert {r["id.orig_h"] for r in lookups} == {
                h["client"] for h in f["hits"] if h["host"] == value
            }
    queries = dns(seed)
    assert len(queries) > 1_000
    assert [float(q["ts"]) for q in queries] == sorted(float(q["ts"]) for q in queries)
    assert {q["rcode_name"] for q in queries} <= {"NOERROR", "NXDOMAIN"}
    # the first contact is within the working day of the first computer
    assert 9 <= f["when"].hour < 16
    assert f["first"]["client"] in {r["ip"] for r in f["leases"].values()}


def test_look_alike_names_occur_and_do_not_count():
    seen = 0
    for seed in SEEDS:
        hosts = {r["host"] for r in proxy(seed)}
        for value in generator.NETWORK:
            for host in hosts:
                if value in host and host != value:
                    seen += 1
                    assert host not in case(seed).answers["indicators-found"]
    assert seen >= 10


def test_cases_are_deterministic():
    for seed in (0, 17, 2**55 + 3):
        first, again = generate(seed), generate(seed)
        assert first.files == again.files
        assert first.answers == again.answers and first.notes == again.notes
    assert generate(1).files["proxy.log"] != generate(2).files["proxy.log"]
    # Speed is measured, not asserted here: about 40-90 ms a case on the development machine.
    started = time.perf_counter()
    generate(100)
    assert time.perf_counter() - started < 2.0
