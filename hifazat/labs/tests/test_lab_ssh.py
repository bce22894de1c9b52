"""The SSH brute-force lab: its definition, and for 50 seeds that every answer is in the
evidence (re-derived here from the log text with simple parsing of our own), that the checkers
accept what a learner would naturally type and refuse the next seed's answers, that cases are
deterministic, and that the log looks like a real Ubuntu 22.04 auth.log."""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from functools import cache

import pytest

from hifazat.labs import checkers, registry
from hifazat.labs.catalogue.ssh_bruteforce import generator
from hifazat.labs.catalogue.ssh_bruteforce.generator import generate
from hifazat.labs.tests import labkit
from hifazat.labs.tests.labkit import texts

SEEDS = range(50)
PKT = timezone(timedelta(hours=5))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
QUESTIONS = (
    "attacker-ip",
    "failed-count",
    "usernames-tried",
    "compromised-account",
    "login-time",
    "backdoor-account",
    "detect-failures",
    "harden",
)
SYSLOG = re.compile(
    r"(?P<stamp>(?P<mon>[A-Z][a-z]{2}) (?P<day>[ \d]\d) (?P<time>\d\d:\d\d:\d\d)) (?P<host>\S+) "
    r"(?P<tag>[A-Za-z][\w-]*)(?:\[(?P<pid>\d+)\])?: (?P<msg>.+)"
)
FAILED = re.compile(r"Failed password for (?:invalid user )?(\S+) from (\S+) port \d+ ssh2$")
ACCEPTED = re.compile(r"Accepted (password|publickey) for (\S+) from (\S+) port (\d+) ssh2")
TEST_NET = re.compile(r"^(?:192\.0\.2|198\.51\.100|203\.0\.113)\.(\d{1,3})$")
# message shapes; every shape present in a log must be in its detection sample
SHAPES = (
    "Failed password for invalid user",
    "Failed password for ",
    "Failed none",
    "Invalid user",
    "check pass; user unknown",
    "authentication failure;",
    "more authentication failure",
    "ignoring max retries",
    "maximum authentication attempts exceeded",
    "Too many authentication failures",
    "Accepted password",
    "Accepted publickey",
    "pam_unix(sshd:session): session opened",
    "pam_unix(sshd:session): session closed",
    "pam_unix(cron:session): session opened",
    "pam_unix(cron:session): session closed",
    "pam_unix(systemd-user:session)",
    "pam_unix(sudo:session): session opened",
    "pam_unix(sudo:session): session closed",
    "COMMAND=",
    "New session",
    "logged out. Waiting for processes to exit.",
    "Removed session",
    "disconnected by user",
    "Bye Bye [preauth]",
    "Disconnected from user",
    "Disconnected from invalid user",
    "Disconnected from authenticating user",
    "Connection closed by invalid user",
    "Connection closed by authenticating user",
    "kex_exchange_identification",
    "banner exchange",
    "Unable to negotiate",
    "new group: name=",
    "new user: name=",
    "to group 'sudo'",
    "to shadow group 'sudo'",
    "password changed for",
)


definition, question, case, check = labkit.bind("ssh_bruteforce", generate)


@cache
def parsed(seed: int) -> list[re.Match]:
    lines = case(seed).files["auth.log"].splitlines()
    matches = [SYSLOG.fullmatch(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches, strict=True) if not m][:3]
    return matches


def when(m: re.Match) -> datetime:
    hour, minute, second = (int(x) for x in m["time"].split(":"))
    month = MONTHS.index(m["mon"]) + 1
    return datetime(2026, month, int(m["day"]), hour, minute, second, tzinfo=PKT)


@cache
def facts(seed: int) -> dict:
    """What an analyst derives from the log text alone."""
    failures: Counter = Counter()
    names: dict[str, set] = {}
    accepted_password = []
    for m in parsed(seed):
        if f := FAILED.search(m["msg"]):
            failures[f[2]] += 1
            names.setdefault(f[2], set()).add(f[1])
        if (a := ACCEPTED.match(m["msg"])) and a[1] == "password":
            accepted_password.append((a[2], a[3], m))
    outside = [(user, ip, m) for user, ip, m in accepted_password if not ip.startswith("10.")]
    assert len(outside) == 1, outside
    user, ip, login = outside[0]
    names[ip].add(user)
    return {
        "ip": ip,
        "failed": failures[ip],
        "names": names[ip],
        "account": user,
        "login": login,
        "failures": failures,
    }


def natural(seed: int) -> dict[str, str]:
    """What a learner would type for questions 1-6."""
    f = facts(seed)
    backdoor = re.search(r"new user: name=([^,]+),", case(seed).files["auth.log"])[1]
    return {
        "attacker-ip": f["ip"],
        "failed-count": str(f["failed"]),
        "usernames-tried": str(len(f["names"])),
        "compromised-account": f["account"],
        "login-time": f["login"]["stamp"],
        "backdoor-account": backdoor,
    }


def hardened(config: str) -> str:
    config = re.sub(r"(?m)^PermitRootLogin yes$", "PermitRootLogin no", config)
    config = re.sub(r"(?m)^PasswordAuthentication yes$", "PasswordAuthentication no", config)
    return re.sub(r"(?m)^MaxAuthTries \d+$", "MaxAuthTries 3", config)


# --- the definition -------------------------------------------------------------------------


def test_the_package_loads_and_matches_the_brief():
    registry.read("ssh_bruteforce")  # the loader's own checks, including generate(0)
    d = definition()
    assert d["slug"] == "ssh-bruteforce" and d["version"] == 1 and d["minutes"] == 45
    assert [e["name"] for e in d["evidence"]] == ["auth.log", "sshd_config", "README.txt"]
    assert list(case(0).files) == [e["name"] for e in d["evidence"]]
    assert 150 <= len(d["scenario"]["en"].split()) <= 300
    assert tuple(q["id"] for q in d["questions"]) == QUESTIONS
    points = {q["id"]: q["points"] for q in d["questions"]}
    assert points == {**dict.fromkeys(QUESTIONS, 10), "detect-failures": 20, "harden": 20}
    kinds = [q["checker"] for q in d["questions"]]
    assert kinds == ["ip", "integer", "integer", "text", "datetime", "text", "detection", "config"]
    assert question("failed-count")["options"] == {"tolerance": 0}
    assert question("login-time")["options"] == {
        "timezone": "Asia/Karachi",
        "year": 2026,
        "tolerance_seconds": 60,
    }
    assert question("detect-failures")["options"] == {"min_precision": 0.9, "min_recall": 0.9}
    assert question("harden")["options"] == {"format": "sshd", "keep": ["Port"]}
    assert question("harden")["input"] == "text"
    for q in d["questions"]:
        checkers.get(q["checker"]).validate(q["options"])
        assert 1 <= len(q["hints"]) <= 2 and all(1 <= h["cost"] <= 5 for h in q["hints"])
        for part in (q["prompt"], q["explanation"], *(h["text"] for h in q["hints"])):
            assert part["en"].strip() and part["ur"].strip()
            assert re.search(r"[\u0600-\u06ff]", part["ur"]), part["ur"]


def test_no_text_gives_away_an_answer():
    """The lab page shows the scenario, prompts and hints: no address or account name there."""
    words = "\n".join(texts(definition()))
    assert not re.search(r"\b(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d", words)
    for name in (n for pools in (generator.SERVICE, generator.BACKDOOR) for p in pools for n in p):
        assert name not in words
    for seed in SEEDS:
        for qid in ("attacker-ip", "compromised-account", "backdoor-account"):
            assert case(seed).answers[qid] not in words


# --- every seed -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_answer_is_in_the_evidence(seed):
    c, f = case(seed), facts(seed)
    log, readme = c.files["auth.log"], c.files["README.txt"]
    assert set(c.answers) == set(QUESTIONS)
    for qid in QUESTIONS:
        q = question(qid)
        checkers.get(q["checker"]).validate_expected(c.answers[qid], q["options"])

    assert c.answers["attacker-ip"] == f["ip"] and TEST_NET.match(f["ip"])
    assert f["failures"].most_common(1)[0][0] == f["ip"]  # the sprayer fails the most
    assert c.answers["failed-count"] == f["failed"]
    assert c.answers["usernames-tried"] == len(f["names"]) == len(c.notes["usernames"])
    assert c.answers["compromised-account"] == f["account"]
    assert re.search(rf"^  {re.escape(f['account'])} +uid 1\d\d\d ", readme, re.M)
    assert c.answers["login-time"] == when(f["login"]).isoformat()
    assert c.answers["login-time"].endswith("+05:00")

    backdoor = c.answers["backdoor-account"]
    assert re.findall(r"useradd\[\d+\]: new user: name=([^,]+),", log) == [backdoor]
    assert f"usermod -aG sudo {backdoor}" in log and f"add '{backdoor}' to group 'sudo'" in log
    assert re.search(
        rf"sudo: +{re.escape(f['account'])} : TTY=pts/\d ; .*COMMAND=/usr/sbin/useradd -m -s /bin/bash {re.escape(backdoor)}$",
        log,
        re.M,
    )
    assert not re.search(rf"^  {re.escape(backdoor)} ", readme, re.M)  # not a known account
    made = next(m for m in parsed(seed) if "new user: name=" in m["msg"])
    assert when(f["login"]) < when(made) < when(f["login"]) + timedelta(hours=1)

    assert "2026" in readme and "Asia/Karachi" in readme and "UTC+05:00" in readme
    assert c.notes["host"] in readme and all(m["host"] == c.notes["host"] for m in parsed(seed))
    assert hashlib.sha256(log.encode()).hexdigest() in readme
    assert hashlib.sha256(c.files["sshd_config"].encode()).hexdigest() in readme


@pytest.mark.parametrize("seed", SEEDS)
def test_the_checkers_accept_natural_answers_and_refuse_the_next_seeds(seed):
    c, mine, theirs = case(seed), natural(seed), natural(seed + 1)
    for qid, submitted in mine.items():
        assert check(qid, c.answers[qid], submitted).correct, (qid, submitted)
        assert not check(qid, c.answers[qid], theirs[qid]).correct, (qid, theirs[qid])
    assert check("login-time", c.answers["login-time"], c.answers["login-time"]).correct
    assert check(
        "compromised-account",
        c.answers["compromised-account"],
        mine["compromised-account"].upper(),
    ).correct

    sample = c.answers["detect-failures"]
    for pattern in ("Failed password", r"sshd\[\d+\]: Failed password for "):
        assert check("detect-failures", sample, pattern).correct, pattern
    for pattern in ("[Ff]ail", "authentication failure", "invalid user", "Accepted"):
        assert not check("detect-failures", sample, pattern).correct, pattern

    config = c.files["sshd_config"]
    assert check("harden", c.answers["harden"], hardened(config)).correct
    assert not check("harden", c.answers["harden"], config).correct
    without_port = re.sub(r"(?m)^Port \d+\n", "", hardened(config))
    assert not check("harden", c.answers["harden"], without_port).correct
    appended = config + "PermitRootLogin no\nPasswordAuthentication no\nMaxAuthTries 3\n"
    assert not check("harden", c.answers["harden"], appended).correct  # the first value wins


@pytest.mark.parametrize("seed", SEEDS)
def test_the_log_is_realistic(seed):
    c, f, lines = case(seed), facts(seed), parsed(seed)
    assert 3_000 <= len(lines) <= 6_000
    times = [when(m) for m in lines]
    assert times == sorted(times)
    assert timedelta(hours=40) < times[-1] - times[0] < timedelta(hours=48)
    mentions = re.compile(re.escape(f["ip"]) + r"(?!\d)")
    assert sum(not mentions.search(m["msg"]) for m in lines) >= 2_000
    assert 150 <= f["failed"] <= 450 and 25 <= len(f["names"]) <= 60

    # the spray: in bursts over hours, all before the break-in, on real and unknown names
    spray = [when(m) for m in lines if (x := FAILED.search(m["msg"])) and x[2] == f["ip"]]
    assert max(spray) < when(f["login"]) and max(spray) - min(spray) > timedelta(hours=2)
    pauses = [
        b - a for a, b in zip(spray, spray[1:], strict=False) if b - a > timedelta(minutes=4)
    ]
    assert len(pauses) >= 2
    unknown = re.compile(rf"Invalid user (\S+) from {re.escape(f['ip'])} port")
    invalid = {x[1] for m in lines if (x := unknown.match(m["msg"]))}
    assert len(invalid) >= 15 and invalid < f["names"]
    assert {"root", f["account"]} <= f["names"] - invalid

    # other internet scanners: 2-4 distinct test-net addresses with a handful of tries each
    scanners = {ip for ip in f["failures"] if not ip.startswith("10.")} - {f["ip"]}
    assert 2 <= len(scanners) <= 4 and all(TEST_NET.match(ip) for ip in scanners)
    assert all(f["failures"][ip] <= 30 for ip in scanners)

    # the office: administrators with keys, a typo followed by success, sudo, cron, logind
    accepted = [ACCEPTED.match(m["msg"]) for m in lines]
    keys = [a for a in accepted if a and a[1] == "publickey"]
    assert keys and all(a[3].startswith("10.") for a in keys)
    office_fail = {
        (x[1], x[2]) for m in lines if (x := FAILED.search(m["msg"])) and x[2].startswith("10.")
    }
    office_ok = {
        (a[2], a[3]) for a in accepted if a and a[1] == "password" and a[3].startswith("10.")
    }
    assert office_fail and office_fail == office_ok
    tags = Counter(m["tag"] for m in lines)
    assert tags["CRON"] > 500 and tags["systemd-logind"] > 50 and tags["sudo"] > 10
    assert len({m["pid"] for m in lines if m["tag"] == "systemd-logind"}) == 1
    sshd_pids = [int(m["pid"]) for m in lines if m["tag"] == "sshd"]
    assert len(set(sshd_pids)) > 150 and max(sshd_pids) < 4_194_304

    # the weak configuration to fix
    config = c.files["sshd_config"]
    settings = {}
    for line in config.splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split(None, 1)
            settings.setdefault(key.lower(), value)
    assert settings["permitrootlogin"] == "yes" and settings["passwordauthentication"] == "yes"
    assert int(settings["maxauthtries"]) >= 6 and settings["port"].isdigit()


@pytest.mark.parametrize("seed", SEEDS)
def test_the_detection_sample_is_labelled_and_covers_every_kind_of_line(seed):
    log = case(seed).files["auth.log"]
    sample = case(seed).answers["detect-failures"]
    lines, labels = sample["lines"], sample["labels"]
    assert 300 <= len(lines) <= 600 and len(lines) == len(labels)
    assert labels == ["Failed password" in line for line in lines]
    assert set(lines) <= set(log.splitlines())
    for shape in SHAPES:
        if shape in log:
            assert any(shape in line for line in lines), shape
    tags = {m["tag"] for m in parsed(seed)}
    assert tags == {SYSLOG.fullmatch(line)["tag"] for line in lines}


def test_cases_are_deterministic():
    for seed in (0, 17, 2**55 + 3):
        first, again = generate(seed), generate(seed)
        assert first.files == again.files
        assert first.answers == again.answers and first.notes == again.notes
    assert generate(1).files["auth.log"] != generate(2).files["auth.log"]
    # Speed is measured, not asserted here (a timed unit test fails on a busy machine): about
    # 15–30 ms a case on the development machine. Only a pathological slowdown fails.
    started = time.perf_counter()
    generate(100)
    assert time.perf_counter() - started < 2.0
