"""The web-server compromise lab: its definition, and for 50 seeds that every answer is in the
evidence (re-derived here from the log text with simple parsing of our own), that the checkers
accept what a learner would naturally type and refuse the next seed's answers, that cases are
deterministic, and that the logs look like real nginx logs."""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import unquote, unquote_plus

import pytest

from hifazat.labs import checkers, registry
from hifazat.labs.catalogue.web_compromise import generator
from hifazat.labs.catalogue.web_compromise.generator import generate
from hifazat.labs.tests import labkit
from hifazat.labs.tests.labkit import texts

SEEDS = range(50)
QUESTIONS = (
    "scanner-ip",
    "scan-tool",
    "vuln-param",
    "attacker2-ip",
    "shell-path",
    "shell-time",
    "exfil-file",
    "exfil-bytes",
)
COMBINED = re.compile(
    r"(?P<ip>[0-9a-f.:]+) - - \[(?P<time>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0500)\] "
    r'"(?P<method>GET|POST|HEAD) (?P<path>\S+) (?P<proto>HTTP/1\.1|HTTP/2\.0)" '
    r'(?P<status>\d{3}) (?P<size>\d+) "(?P<ref>[^"]*)" "(?P<ua>[^"]*)"'
)
ERROR = re.compile(
    r"(?P<date>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(?P<level>notice|error|crit)\] "
    r"(?P<pid>\d+)#(?P=pid): (?P<msg>.+)"
)
TOOL_MARKERS = {  # how each tool names itself in its user agent
    "nikto": "(Nikto/",
    "gobuster": "gobuster/",
    "wfuzz": "Wfuzz/",
    "ffuf": "Fuzz Faster U Fool",
    "feroxbuster": "feroxbuster/",
    "dirbuster": "DirBuster-",
}
TEST_NET = re.compile(r"^(?:192\.0\.2|198\.51\.100|203\.0\.113)\.(\d{1,3})$")


definition, question, case, check = labkit.bind("web_compromise", generate)


@cache
def parsed(seed: int) -> list[re.Match]:
    lines = case(seed).files["access.log"].splitlines()
    matches = [COMBINED.fullmatch(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches, strict=True) if not m][:3]
    return matches


def when(m: re.Match) -> datetime:
    return datetime.strptime(m["time"], "%d/%b/%Y:%H:%M:%S %z")


@cache
def facts(seed: int) -> dict:
    """What an analyst derives from the log text alone."""
    lines = parsed(seed)
    not_found = Counter(m["ip"] for m in lines if m["status"] == "404")
    (scanner, most), (_, second) = not_found.most_common(2)
    assert most > 5 * second
    agents = {m["ua"] for m in lines if m["ip"] == scanner and m["status"] == "404"}
    tools = {t for t, marker in TOOL_MARKERS.items() for ua in agents if marker in ua}
    assert len(tools) == 1, (agents, tools)
    injected = [
        m for m in lines if m["ip"] == scanner and "UNION ALL SELECT" in unquote(m["path"])
    ]
    params = {m["path"].split("?", 1)[1].split("=", 1)[0] for m in injected}
    scripts = {m["path"].split("?", 1)[0] for m in injected}
    assert len(params) == 1 and len(scripts) == 1, (params, scripts)
    shells = [m for m in lines if re.fullmatch(r"/uploads/[^?]*\.php", m["path"].split("?", 1)[0])]
    assert shells and len({m["ip"] for m in shells}) == 1
    assert len({m["path"].split("?", 1)[0] for m in shells}) == 1
    attacker = shells[0]["ip"]
    biggest = max((m for m in lines if m["ip"] == attacker), key=lambda m: int(m["size"]))
    return {
        "scanner": scanner,
        "tool": tools.pop(),
        "param": params.pop(),
        "script": scripts.pop(),
        "attacker": attacker,
        "shell": shells[0]["path"].split("?", 1)[0],
        "shell_first": shells[0],
        "shells": shells,
        "exfil": biggest,
        "not_found": not_found,
    }


def natural(seed: int) -> dict[str, str]:
    """What a learner would type or pick."""
    f = facts(seed)
    return {
        "scanner-ip": f["scanner"],
        "scan-tool": f["tool"],
        "vuln-param": f["param"],
        "attacker2-ip": f["attacker"],
        "shell-path": f["shell"],
        "shell-time": when(f["shell_first"]).strftime("%Y-%m-%d %H:%M:%S"),
        "exfil-file": f["exfil"]["path"],
        "exfil-bytes": f["exfil"]["size"],
    }


# --- the definition -------------------------------------------------------------------------


def test_the_package_loads_and_matches_the_brief():
    registry.read("web_compromise")  # the loader's own checks, including generate(0)
    d = definition()
    assert d["slug"] == "web-compromise" and d["version"] == 1
    assert [e["name"] for e in d["evidence"]] == ["access.log", "error.log", "README.txt"]
    assert list(case(0).files) == [e["name"] for e in d["evidence"]]
    assert tuple(q["id"] for q in d["questions"]) == QUESTIONS
    kinds = [q["checker"] for q in d["questions"]]
    assert kinds == ["ip", "choice", "text", "ip", "text", "datetime", "text", "integer"]
    assert question("shell-time")["options"] == {
        "timezone": "Asia/Karachi",
        "tolerance_seconds": 60,
    }
    assert question("exfil-bytes")["options"] == {"tolerance": 0}
    keys = {c["key"] for c in question("scan-tool")["options"]["choices"]}
    assert set(TOOL_MARKERS) < keys and "sqlmap" in keys
    for q in d["questions"]:
        checkers.get(q["checker"]).validate(q["options"])
        assert 1 <= len(q["hints"]) <= 2 and all(1 <= h["cost"] <= 5 for h in q["hints"])
        for part in (q["prompt"], q["explanation"], *(h["text"] for h in q["hints"])):
            assert part["en"].strip() and part["ur"].strip()
            assert re.search(r"[\u0600-\u06ff]", part["ur"]), part["ur"]


def test_no_text_gives_away_an_answer():
    """The lab page shows the scenario, prompts and hints: no address, parameter or path."""
    words = "\n".join(texts(definition()))
    assert not re.search(r"\b(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d", words)
    for pool in generator.SCRIPTS:
        for script, param, _ in pool:
            assert script not in words
            assert not re.search(rf"(?<![\w-]){re.escape(param)}(?![\w-])", words), param
    for seed in SEEDS:
        answers = case(seed).answers
        for qid in ("scanner-ip", "attacker2-ip"):
            assert answers[qid] not in words
        for qid in ("shell-path", "exfil-file"):
            assert answers[qid][0] not in words
            assert answers[qid][0].rsplit("/", 1)[1] not in words


# --- every seed -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_answer_is_in_the_evidence(seed):
    c, f = case(seed), facts(seed)
    log, errors, readme = c.files["access.log"], c.files["error.log"], c.files["README.txt"]
    assert set(c.answers) == set(QUESTIONS)
    for qid in QUESTIONS:
        q = question(qid)
        checkers.get(q["checker"]).validate_expected(c.answers[qid], q["options"])

    assert c.answers["scanner-ip"] == f["scanner"] and TEST_NET.match(f["scanner"])
    assert c.answers["scan-tool"] == f["tool"]
    assert c.answers["vuln-param"] == f["param"]
    assert f"?{f['param']}=" in log
    assert c.answers["attacker2-ip"] == f["attacker"] and TEST_NET.match(f["attacker"])
    assert f["attacker"] != f["scanner"]
    assert c.answers["shell-path"] == [f["shell"], f["shell"].lstrip("/")]
    assert c.answers["shell-time"] == when(f["shell_first"]).isoformat()
    assert c.answers["shell-time"].endswith("+05:00")
    assert c.answers["exfil-file"] == [f["exfil"]["path"], f["exfil"]["path"].lstrip("/")]
    assert c.answers["exfil-bytes"] == int(f["exfil"]["size"])
    assert f" 200 {c.answers['exfil-bytes']} " in log

    # the SQL errors in error.log name the same script and parameter, from the scanner
    sql = [line for line in errors.splitlines() if "mysqli_sql_exception" in line]
    assert len(sql) >= 3
    for line in sql:
        assert f"client: {f['scanner']}," in line
        assert f"{generator.DOCROOT}{f['script']}:" in line
        assert f'request: "GET {f["script"]}?{f["param"]}=' in line

    # the story: scan, injection, admin login from outside, upload, shell, download, defacement
    lines = parsed(seed)
    scan = [when(m) for m in lines if m["ip"] == f["scanner"] and m["status"] == "404"]
    injected = [
        when(m) for m in lines if m["ip"] == f["scanner"] and "UNION" in unquote(m["path"])
    ]
    mine = [m for m in lines if m["ip"] == f["attacker"]]
    login = next(m for m in mine if m["method"] == "POST" and m["path"] == "/admin/login.php")
    upload = next(m for m in mine if m["method"] == "POST" and m["path"] != "/admin/login.php")
    assert login["status"] == "302" and upload["status"] == "200"
    assert max(scan) < min(injected) < when(login) < when(upload) < when(f["shell_first"])
    assert when(f["shell_first"]) < when(f["exfil"]) and f["exfil"]["status"] == "200"
    assert f["exfil"]["path"].rsplit("/", 1)[0] == f["shell"].rsplit("/", 1)[0]
    commands = [unquote_plus(m["path"].split("=", 1)[1]) for m in f["shells"]]
    name = f["exfil"]["path"].rsplit("/", 1)[1]
    assert any(name in cmd and "/tmp/" in cmd for cmd in commands)
    assert any("mysqldump" in cmd for cmd in commands)
    assert any("index.html" in cmd for cmd in commands)
    assert int(f["exfil"]["size"]) == max(int(m["size"]) for m in lines)
    # the admin area is otherwise used only from the office network named in the README
    logins = {m["ip"] for m in lines if m["method"] == "POST" and m["path"] == "/admin/login.php"}
    office = re.search(r"office network\s+(10\.\d+\.\d+)\.0/24", readme)[1]
    assert logins - {f["attacker"]} and all(
        ip.startswith(office + ".") for ip in logins - {f["attacker"]}
    )

    assert "Asia/Karachi" in readme and "UTC+05:00" in readme
    assert hashlib.sha256(log.encode()).hexdigest() in readme
    assert hashlib.sha256(errors.encode()).hexdigest() in readme


@pytest.mark.parametrize("seed", SEEDS)
def test_the_checkers_accept_natural_answers_and_refuse_the_next_seeds(seed):
    c, mine, theirs = case(seed), natural(seed), natural(seed + 1)
    for qid, submitted in mine.items():
        assert check(qid, c.answers[qid], submitted).correct, (qid, submitted)
        assert not check(qid, c.answers[qid], theirs[qid]).correct, (qid, theirs[qid])
    stamp = when(facts(seed)["shell_first"])
    for other in (stamp.strftime("%d/%m/%Y %H:%M:%S"), stamp.isoformat(), c.answers["shell-time"]):
        assert check("shell-time", c.answers["shell-time"], other).correct, other
    utc_as_local = (stamp - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S")
    assert not check("shell-time", c.answers["shell-time"], utc_as_local).correct
    assert check("exfil-bytes", c.answers["exfil-bytes"], f"{c.answers['exfil-bytes']:,}").correct
    assert check("shell-path", c.answers["shell-path"], mine["shell-path"].lstrip("/")).correct
    assert not check(
        "shell-path", c.answers["shell-path"], facts(seed)["shells"][0]["path"]
    ).correct
    assert check("vuln-param", c.answers["vuln-param"], f" {mine['vuln-param'].upper()} ").correct
    assert not check("scan-tool", c.answers["scan-tool"], "sqlmap").correct


@pytest.mark.parametrize("seed", SEEDS)
def test_the_logs_are_realistic(seed):
    c, f, lines = case(seed), facts(seed), parsed(seed)
    assert 4_000 <= len(lines) <= 8_000
    times = [when(m) for m in lines]
    assert times == sorted(times)
    assert timedelta(hours=44) < times[-1] - times[0] < timedelta(hours=48)
    # the attack is a small part of the log
    attack = {f["scanner"], f["attacker"]}
    assert sum(m["ip"] not in attack for m in lines) >= 3_000
    assert 400 <= f["not_found"][f["scanner"]] <= 1_500
    # background scanners: a few other internet addresses with a handful of 404s
    others = [ip for ip in f["not_found"] if ip not in attack and TEST_NET.match(ip)]
    assert len(others) >= 3
    # ordinary traffic: staff, crawlers, the monitoring probe, IPv6 citizens, assets, downloads
    ips = {m["ip"] for m in lines}
    assert len(ips) > 150 and any(":" in ip for ip in ips)
    assert any(ip.startswith("10.") for ip in ips)
    agents = Counter(m["ua"] for m in lines)
    assert agents["nocwatch-probe/2.3"] > 500
    assert any("Sitecrawler" in ua for ua in agents) and any("IndexBot" in ua for ua in agents)
    statuses = Counter(m["status"] for m in lines)
    assert statuses["200"] > 3_000 and statuses["304"] > 50 and statuses["302"] > 30
    assert statuses["500"] >= 3
    # only the attacker asked for a .php under /uploads/; legitimate uploads are media and PDFs
    uploads = [m for m in lines if m["path"].startswith("/uploads/")]
    assert sum(m["ip"] != f["attacker"] for m in uploads) > 20
    assert all(
        re.search(r"\.(?:jpg|png|pdf)$", m["path"]) for m in uploads if m["ip"] != f["attacker"]
    )
    # the tool's user agent appears only for the scanner
    marker = TOOL_MARKERS[f["tool"]]
    assert {m["ip"] for m in lines if marker in m["ua"]} == {f["scanner"]}
    # the vulnerable script also has ordinary traffic
    normal = [
        m for m in lines if m["path"].startswith(f["script"] + "?") and m["ip"] != f["scanner"]
    ]
    assert len(normal) >= 5
    # error.log: nginx's format, in order, a few PHP warnings among the rest
    errors = [ERROR.fullmatch(line) for line in c.files["error.log"].splitlines()]
    assert all(errors) and 15 <= len(errors) <= 200
    stamps = [m["date"] for m in errors]
    assert stamps == sorted(stamps)
    assert sum("PHP Warning" in m["msg"] for m in errors) >= 2


def test_cases_are_deterministic():
    for seed in (0, 17, 2**55 + 3):
        first, again = generate(seed), generate(seed)
        assert first.files == again.files
        assert first.answers == again.answers and first.notes == again.notes
    assert generate(1).files["access.log"] != generate(2).files["access.log"]
    # Speed is measured, not asserted (a timed unit test fails on a busy machine): about
    # 30–60 ms a case on the development machine. Only a pathological slowdown fails.
    started = time.perf_counter()
    generate(100)
    assert time.perf_counter() - started < 2.0
