"""The Windows persistence lab: its definition, and for 50 seeds that every answer is in the
evidence (re-derived here from security.csv and system.json with simple parsing of our own), that
the checkers accept what a learner would naturally type and refuse the next seed's answers, that
cases are deterministic, and that the export looks like a real Get-WinEvent export."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from functools import cache

import pytest

from hifazat.labs import checkers, registry
from hifazat.labs.catalogue.windows_persistence import generator
from hifazat.labs.catalogue.windows_persistence.generator import generate
from hifazat.labs.tests import labkit
from hifazat.labs.tests.labkit import texts

SEEDS = range(50)
PKT = timezone(timedelta(hours=5))
QUESTIONS = (
    "attacker-ip",
    "compromised-account",
    "created-account",
    "group",
    "service-path",
    "task-name",
    "log-cleared",
    "attack-order",
)
STEPS = (
    "password-guessing",
    "logon",
    "account-created",
    "added-to-group",
    "service-installed",
    "task-created",
    "log-cleared",
)
HEADER = (
    '"TimeCreated","Id","Keywords","Computer","SubjectUserName","SubjectDomainName",'
    '"TargetUserName","TargetDomainName","LogonId","LogonType","AuthenticationPackage",'
    '"WorkstationName","IpAddress","IpPort","Status","SubStatus","MemberName","GroupName",'
    '"TaskName","Message"'
)
FILE_NAME = re.compile(r"Service File Name:  (.+?)\r\n")
SERVICE_NAME = re.compile(r"Service Name:  (.+?)\r\n")


definition, question, case, check = labkit.bind("windows_persistence", generate)


@cache
def rows(seed: int) -> list[dict]:
    return list(csv.DictReader(io.StringIO(case(seed).files["security.csv"])))


@cache
def events(seed: int) -> list[dict]:
    return json.loads(case(seed).files["system.json"])


def local(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=PKT)


@cache
def facts(seed: int) -> dict:
    """What an analyst derives from the two files alone."""
    sec = rows(seed)
    failures = Counter(r["IpAddress"] for r in sec if r["Id"] == "4625")
    failed_users = {(r["IpAddress"], r["TargetUserName"]) for r in sec if r["Id"] == "4625"}
    logons = [
        r
        for r in sec
        if r["Id"] == "4624" and (r["IpAddress"], r["TargetUserName"]) in failed_users
    ]
    # a burst of failures, then a success from the same address for the same account
    suspects = [r for r in logons if failures[r["IpAddress"]] >= 20]
    assert len(suspects) == 1, [(r["IpAddress"], r["TargetUserName"]) for r in suspects]
    login = suspects[0]
    ip, account, lid = login["IpAddress"], login["TargetUserName"], login["LogonId"]
    privileged = [r for r in sec if r["Id"] == "4672" and r["LogonId"] == lid]
    assert privileged and privileged[0]["TimeCreated"] == login["TimeCreated"]

    (made,) = [r for r in sec if r["Id"] == "4720"]
    assert made["SubjectUserName"] == account and made["LogonId"] == lid
    created = made["TargetUserName"]
    (added,) = [r for r in sec if r["Id"] == "4732" and r["MemberName"].endswith("\\" + created)]
    assert added["SubjectUserName"] == account and added["LogonId"] == lid
    (task,) = [r for r in sec if r["Id"] == "4698" and r["SubjectUserName"] == account]
    assert task["LogonId"] == lid
    (cleared,) = [r for r in sec if r["Id"] == "1102"]
    assert cleared["SubjectUserName"] == account and cleared["LogonId"] == lid

    start, end = local(login["TimeCreated"]), local(cleared["TimeCreated"])
    installs = [
        e
        for e in events(seed)
        if e["Id"] == 7045 and start <= datetime.fromisoformat(e["TimeCreated"]) <= end
    ]
    assert len(installs) == 1
    service = installs[0]
    first_failure = min(
        local(r["TimeCreated"]) for r in sec if r["Id"] == "4625" and r["IpAddress"] == ip
    )
    when = {
        "password-guessing": first_failure,
        "logon": start,
        "account-created": local(made["TimeCreated"]),
        "added-to-group": local(added["TimeCreated"]),
        "service-installed": datetime.fromisoformat(service["TimeCreated"]),
        "task-created": local(task["TimeCreated"]),
        "log-cleared": end,
    }
    return {
        "ip": ip,
        "account": account,
        "created": created,
        "group": added["GroupName"],
        "path": FILE_NAME.search(service["Message"])[1],
        "service": SERVICE_NAME.search(service["Message"])[1],
        "task": task["TaskName"],
        "cleared": cleared["TimeCreated"],
        "order": sorted(STEPS, key=when.__getitem__),
        "failures": failures,
        "lid": lid,
    }


def natural(seed: int) -> dict[str, str]:
    """What a learner would type."""
    f = facts(seed)
    return {
        "attacker-ip": f["ip"],
        "compromised-account": f["account"],
        "created-account": f["created"],
        "group": f["group"],
        "service-path": f["path"],
        "task-name": f["task"],
        "log-cleared": f["cleared"],
        "attack-order": ", ".join(f["order"]),
    }


# --- the definition -------------------------------------------------------------------------


def test_the_package_loads_and_matches_the_brief():
    registry.read("windows_persistence")  # the loader's own checks, including generate(0)
    d = definition()
    assert d["slug"] == "windows-persistence" and d["version"] == 1
    assert [e["name"] for e in d["evidence"]] == ["security.csv", "system.json", "README.txt"]
    assert list(case(0).files) == [e["name"] for e in d["evidence"]]
    assert tuple(q["id"] for q in d["questions"]) == QUESTIONS
    kinds = [q["checker"] for q in d["questions"]]
    assert kinds == ["ip", "text", "text", "text", "text", "text", "datetime", "ordering"]
    assert question("log-cleared")["options"] == {
        "timezone": "Asia/Karachi",
        "tolerance_seconds": 60,
    }
    for step in STEPS:  # the ordering prompt names every choice
        assert f"`{step}`" in question("attack-order")["prompt"]["en"]
        assert f"`{step}`" in question("attack-order")["prompt"]["ur"]
    for q in d["questions"]:
        checkers.get(q["checker"]).validate(q["options"])
        assert 1 <= len(q["hints"]) <= 2 and all(1 <= h["cost"] <= 5 for h in q["hints"])
        for part in (q["prompt"], q["explanation"], *(h["text"] for h in q["hints"])):
            assert part["en"].strip() and part["ur"].strip()
            assert re.search(r"[\u0600-\u06ff]", part["ur"]), part["ur"]


def test_no_text_gives_away_an_answer():
    words = "\n".join(texts(definition()))
    lower = words.lower()
    assert not re.search(r"\b(?:192\.0\.2|198\.51\.100|203\.0\.113|10\.\d+\.\d+)\.\d", words)
    pools = (generator.COMPROMISED, generator.CREATED, generator.SERVICES, generator.SERVICE_EXES)
    for name in (n for pool in pools for half in pool for n in half):
        assert not re.search(rf"(?<![\w.]){re.escape(name.lower())}(?![\w])", lower), name
    for name in (n for half in generator.TASKS for n in half):
        assert name.lower() not in lower and name.rsplit("\\", 1)[1].lower() not in lower, name
    for group in generator.GROUPS:
        assert group not in words  # the prose says "administrators", never the group's name
    for seed in SEEDS:
        for qid in ("attacker-ip", "compromised-account", "created-account"):
            assert case(seed).answers[qid].lower() not in lower


# --- every seed -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_answer_is_in_the_evidence(seed):
    c, f = case(seed), facts(seed)
    security, system, readme = (
        c.files["security.csv"],
        c.files["system.json"],
        c.files["README.txt"],
    )
    assert set(c.answers) == set(QUESTIONS)
    for qid in QUESTIONS:
        q = question(qid)
        checkers.get(q["checker"]).validate_expected(c.answers[qid], q["options"])

    assert c.answers["attacker-ip"] == f["ip"] and f["ip"] in security
    assert c.answers["compromised-account"] == f["account"]
    assert re.search(rf"^  \w+\\{re.escape(f['account'])}$", readme, re.M)  # a real IT account
    assert c.answers["created-account"] == f["created"] and f["created"] not in readme
    assert c.answers["group"] == f["group"] and f["group"] in generator.GROUPS
    assert c.answers["service-path"][0] == f["path"] and f["path"].startswith("C:\\ProgramData\\")
    assert json.dumps(f["path"])[1:-1] in system  # as it stands in the raw JSON
    assert f["service"] == c.notes["service"]
    assert f"The {f['service']} service entered the running state." in system
    assert c.answers["task-name"][0] == f["task"]
    assert c.answers["log-cleared"] == local(f["cleared"]).isoformat()
    assert c.answers["log-cleared"].endswith("+05:00")
    assert c.answers["attack-order"] == f["order"] == c.notes["order"]
    assert f["order"][:2] == ["password-guessing", "logon"] and f["order"][-1] == "log-cleared"

    assert "Asia/Karachi" in readme and "UTC+05:00" in readme and c.notes["computer"] in readme
    assert hashlib.sha256(security.encode()).hexdigest() in readme
    assert hashlib.sha256(system.encode()).hexdigest() in readme


@pytest.mark.parametrize("seed", SEEDS)
def test_the_checkers_accept_natural_answers_and_refuse_the_next_seeds(seed):
    c, mine, theirs = case(seed), natural(seed), natural(seed + 1)
    for qid, submitted in mine.items():
        assert check(qid, c.answers[qid], submitted).correct, (qid, submitted)
        assert not check(qid, c.answers[qid], theirs[qid]).correct, (qid, theirs[qid])
    f = facts(seed)
    variants = {
        "compromised-account": f["account"].upper(),
        "created-account": f" {f['created'].upper()} ",
        "group": f["group"].lower(),
        "service-path": json.dumps(f["path"])[1:-1],  # copied from the raw JSON
        "task-name": f["task"].lstrip("\\"),
        "log-cleared": c.answers["log-cleared"],
        "attack-order": "\n".join(f["order"]),
    }
    for qid, submitted in variants.items():
        assert check(qid, c.answers[qid], submitted).correct, (qid, submitted)
    utc = (local(f["cleared"]) - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S")
    assert not check("log-cleared", c.answers["log-cleared"], utc).correct
    assert check("log-cleared", c.answers["log-cleared"], utc + " UTC").correct
    swapped = list(f["order"])
    swapped[2], swapped[3] = swapped[3], swapped[2]
    assert not check("attack-order", c.answers["attack-order"], ", ".join(swapped)).correct


@pytest.mark.parametrize("seed", SEEDS)
def test_the_export_is_realistic(seed):
    c, f, sec = case(seed), facts(seed), rows(seed)
    assert c.files["security.csv"].split("\n", 1)[0] == HEADER
    assert 1_000 <= len(sec) <= 4_000
    times = [local(r["TimeCreated"]) for r in sec]
    assert times == sorted(times, reverse=True)  # newest first, as Get-WinEvent lists them
    assert timedelta(days=2) < times[0] - times[-1] < timedelta(days=3)
    system_times = [datetime.fromisoformat(e["TimeCreated"]) for e in events(seed)]
    assert system_times == sorted(system_times, reverse=True)
    assert all(r["Computer"] == c.notes["computer"] for r in sec)
    assert all(e["MachineName"] == c.notes["computer"] for e in events(seed))

    # the attack's failures: one account, wrong password, in a burst of a few minutes
    burst = [r for r in sec if r["Id"] == "4625" and r["IpAddress"] == f["ip"]]
    assert 60 <= len(burst) <= 240
    assert {r["TargetUserName"] for r in burst} == {f["account"]}
    assert {(r["Status"], r["SubStatus"]) for r in burst} == {("0xC000006D", "0xC000006A")}
    span = local(burst[0]["TimeCreated"]) - local(burst[-1]["TimeCreated"])
    assert span < timedelta(minutes=10)
    assert f["failures"].most_common(1)[0][0] == f["ip"]
    assert 0 <= local(f["cleared"]).hour < 6  # at night

    # the noise: a stale laptop failing with no success, typos, scanners, routine events
    stale = c.notes["stale_ip"]
    assert f["failures"][stale] >= 15
    assert not any(r["Id"] == "4624" and r["IpAddress"] == stale for r in sec)
    outside = [ip for ip in f["failures"] if not ip.startswith("10.")]
    assert len([ip for ip in outside if ip != f["ip"]]) >= 1
    ids = Counter(r["Id"] for r in sec)
    assert ids["4624"] > 400 and ids["4634"] > 400 and ids["4672"] > 10 and ids["4702"] >= 4
    assert ids["4732"] == 2 and ids["4698"] == 2 and ids["4720"] == 1 and ids["1102"] == 1
    assert {r["LogonType"] for r in sec if r["Id"] == "4624"} >= {"3", "4", "5", "10"}
    installs = [e for e in events(seed) if e["Id"] == 7045]
    assert len(installs) >= 2 and sum(e["Id"] == 7036 for e in events(seed)) > 100
    # everything the attacker did after logging on carries the same LogonId
    theirs = [r for r in sec if r["SubjectUserName"] == f["account"] and r["Id"] != "4672"]
    night = [
        r for r in theirs if local(r["TimeCreated"]) >= local(f["cleared"]) - timedelta(hours=1)
    ]
    assert night and all(r["LogonId"] == f["lid"] for r in night)


def test_cases_are_deterministic():
    for seed in (0, 17, 2**55 + 3):
        first, again = generate(seed), generate(seed)
        assert first.files == again.files
        assert first.answers == again.answers and first.notes == again.notes
    assert generate(1).files["security.csv"] != generate(2).files["security.csv"]
    # Speed is measured, not asserted (about 25 ms a case); only a pathological slowdown fails.
    started = time.perf_counter()
    generate(100)
    assert time.perf_counter() - started < 2.0
