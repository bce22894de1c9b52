"""The detection-writing lab: its definition; for 50 seeds that every answer is in the evidence
(re-derived here from the log text with reference rules and simple parsing of our own), that good
rules pass and naive, too-narrow and over-broad ones fail, that the checkers accept what a learner
would type and refuse the next seed's answers; the detection checker's arithmetic on a hand-made
sample; that pathological patterns cannot hang the worker; and determinism."""

from __future__ import annotations

import re
import time
from collections import Counter
from functools import cache
from urllib.parse import unquote

import pytest
from django.utils import translation

from hifazat.labs import checkers, registry
from hifazat.labs.catalogue.detection_writing import generator
from hifazat.labs.catalogue.detection_writing.generator import generate
from hifazat.labs.tests import labkit
from hifazat.labs.tests.labkit import texts

SEEDS = range(50)
QUESTIONS = (
    "detect-sqli",
    "sqli-top-ip",
    "sqli-top-count",
    "detect-traversal",
    "traversal-file",
    "detect-powershell",
    "detect-ssh-failures",
)
DETECTION = ("detect-sqli", "detect-traversal", "detect-powershell", "detect-ssh-failures")
FILE_OF = {
    "detect-sqli": "web_access.log",
    "detect-traversal": "web_access.log",
    "detect-powershell": "powershell.log",
    "detect-ssh-failures": "auth.log",
}
_W = r"(?:\s|\+|%20|%09|/\*\*/)"
# What a careful analyst would write after reading the logs.
GOOD = {
    "detect-sqli": [
        rf"(?i)union{_W}+(?:all{_W}+)?select|(?:'|%27){_W}*(?:or|and|--|%23|/\*)"
        rf"|(?:or|and){_W}+\d+(?:=|%3d)\d+|sleep(?:\(|%28)|waitfor{_W}+delay|extractvalue|updatexml",
    ],
    "detect-traversal": [
        r"(?i)(?:\.|%2e|%252e){2}(?:/|%2f|%5c|%252f|%c0%af)",
        r"(?i)(\.|%2e|%252e)(\.|%2e|%252e)(/|\\|%2f|%5c|%252f|%c0%af)",
    ],
    "detect-powershell": [
        r"(?i)\s[-/]e\w*\s+[a-z0-9+/]{20,}|i`?e`?x\b|invoke-expression|download(?:string|file|data)|net\.webclient",
    ],
    "detect-ssh-failures": ["Failed password", r"sshd\[\d+\]: (?:message repeated \d+ times: \[ )?Failed password for "],
}  # fmt: skip
# Too narrow (recall too low) and over-broad (precision too low).
NARROW = {
    "detect-sqli": ["UNION SELECT", "UNION%20SELECT", r"(?i)union.{1,8}select", r"(?i)sqlmap"],
    "detect-traversal": [r"\.\./", r"(?i)\.\./|%2e%2e%2f", r"(?i)\.\.(?:/|%2f)"],
    "detect-powershell": ["-enc ", "(?i)-enc(?:odedcommand)? ", r"(?i)iex|downloadstring"],
    "detect-ssh-failures": ["invalid user", "Failed password for invalid user", "root"],
}
BROAD = {
    "detect-sqli": [".", r"(?i)union|select|%27|'|sleep", r"(?i)union|select|or|and|%27|'"],
    "detect-traversal": [".", r"(?i)\.\.|%2e|%2f|passwd", r"(?i)etc.passwd|etc%2fpasswd|\.\."],
    "detect-powershell": [
        ".",
        r"(?i)powershell",
        r"(?i)-e|bypass|hidden|iex|download",
        r"(?i)-enc|bypass|hidden|invoke-|iex|webclient",
    ],
    "detect-ssh-failures": [".", "(?i)fail", "sshd"],
}
NGINX = re.compile(
    r'(?P<ip>\S+) - - \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.1" '
    r'(?P<status>\d{3}) (?P<size>\d+) "(?P<ref>[^"]*)" "(?P<ua>[^"]*)"'
)
EVENT = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:00 [A-Z0-9-]+\.\S+ Security EventID=4688 "
    r"RecordNumber=\d+ SubjectUserName=[A-Z]+\\[a-z.]+ NewProcessId=0x[0-9a-f]+ "
    r"ParentProcessName=.+ NewProcessName=.+ CommandLine=.+"
)
SYSLOG = re.compile(r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d jump\d\d sshd\[\d+\]: .+")
TEST_NET = re.compile(r"(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}")


definition, question, case, check = labkit.bind("detection_writing", generate)


def flagged(pattern: str, text: str) -> list[str]:
    rule = re.compile(pattern)
    return [line for line in text.splitlines() if rule.search(line)]


def measured(sample: dict, pattern: str) -> tuple[float, float]:
    """Precision and recall of ``pattern`` on a labelled sample, computed here."""
    rule = re.compile(pattern)
    hits = [bool(rule.search(line)) for line in sample["lines"]]
    found = sum(h and bad for h, bad in zip(hits, sample["labels"], strict=True))
    return (found / sum(hits) if any(hits) else 0.0), found / sum(sample["labels"])


def decoded(path: str) -> str:
    for _ in range(3):  # double encoding
        path = unquote(path)
    return path.replace("\\", "/").replace("\u00c0\u00af", "/").replace("\ufffd\ufffd", "/")


@cache
def facts(seed: int) -> dict:
    """What an analyst derives from the evidence with good rules and simple parsing."""
    web = case(seed).files["web_access.log"]
    sqli = Counter(NGINX.fullmatch(line)["ip"] for line in flagged(GOOD["detect-sqli"][0], web))
    (top, count), (_, second) = sqli.most_common(2)
    files = set()
    for line in flagged(GOOD["detect-traversal"][0], web):
        path = decoded(NGINX.fullmatch(line)["path"].split("=", 1)[1])
        name = re.split(r"/+", path)[-1]
        if name not in ("passwd", "win.ini"):
            files.add(name)
    return {"top": top, "count": count, "second": second, "files": files}


def natural(seed: int) -> dict[str, str]:
    f = facts(seed)
    return {
        "sqli-top-ip": f["top"],
        "sqli-top-count": str(f["count"]),
        "traversal-file": next(iter(f["files"])),
    }


# --- the definition -----------------------------------------------------------------------------


def test_the_package_loads_and_matches_the_brief():
    registry.read("detection_writing")  # the loader's own checks, including generate(0)
    d = definition()
    assert d["slug"] == "detection-writing" and d["version"] == 1
    names = ["web_access.log", "powershell.log", "auth.log", "README.txt"]
    assert [e["name"] for e in d["evidence"]] == names == list(case(0).files)
    assert tuple(q["id"] for q in d["questions"]) == QUESTIONS
    kinds = [q["checker"] for q in d["questions"]]
    assert kinds == ["detection", "ip", "integer", "detection", "text", "detection", "detection"]
    assert question("sqli-top-count")["options"] == {"tolerance": 0}
    for qid in DETECTION:
        options = question(qid)["options"]
        assert options["min_precision"] == options["min_recall"] == 0.9
        assert options["timeout_seconds"] == 1.0 and options["max_length"] == 300
    for q in d["questions"]:
        checkers.get(q["checker"]).validate(q["options"])
        assert 1 <= len(q["hints"]) <= 2 and all(1 <= h["cost"] <= 5 for h in q["hints"])
        for part in (q["prompt"], q["explanation"], *(h["text"] for h in q["hints"])):
            assert part["en"].strip() and part["ur"].strip()
            assert re.search(r"[\u0600-\u06ff]", part["ur"]), part["ur"]
    for key in ("title", "summary", "scenario"):
        assert re.search(r"[\u0600-\u06ff]", d[key]["ur"])


def test_no_text_gives_away_an_answer():
    words = "\n".join(texts(definition()))
    assert not TEST_NET.search(words)
    for pool in generator.TARGETS:
        for name, path in pool:
            assert name not in words and path not in words, name
    for seed in SEEDS:
        assert case(seed).answers["sqli-top-ip"] not in words


def test_the_rules_shown_in_the_explanations_pass():
    for qid in ("detect-sqli", "detect-traversal", "detect-powershell"):
        for lang in ("en", "ur"):
            text = question(qid)["explanation"][lang]
            shown = re.search(r"(``?)(\(\?i\).+?)\1(?!`)", text.replace("\n", " "))
            assert shown, (qid, lang)
            for seed in range(0, 50, 7):
                assert check(qid, case(seed).answers[qid], shown[2]).correct, (qid, lang, seed)


# --- every seed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_answer_is_in_the_evidence(seed):
    c, f = case(seed), facts(seed)
    assert set(c.answers) == set(QUESTIONS)
    for qid in QUESTIONS:
        q = question(qid)
        checkers.get(q["checker"]).validate_expected(c.answers[qid], q["options"])

    # the labelled samples are exactly the lines of the files the prompts name
    for qid in DETECTION:
        sample = c.answers[qid]
        assert sample["lines"] == c.files[FILE_OF[qid]].splitlines()
        assert 0 < sum(sample["labels"]) < 0.3 * len(sample["labels"])
    sqli, trav = c.answers["detect-sqli"]["labels"], c.answers["detect-traversal"]["labels"]
    assert not any(a and b for a, b in zip(sqli, trav, strict=True))

    # the identifying answers, re-derived from the log text
    assert c.answers["sqli-top-ip"] == f["top"] and TEST_NET.fullmatch(f["top"])
    assert c.answers["sqli-top-count"] == f["count"] and f["count"] >= f["second"] + 10
    assert f["files"] == {c.answers["traversal-file"][0]}
    name, path = c.answers["traversal-file"]
    assert path.endswith(name)
    lines = c.files["web_access.log"].splitlines()
    top_lines = [line for line in lines if line.startswith(f["top"] + " ")]
    assert len(top_lines) > f["count"]  # it also browsed: counting every line is wrong
    assert any(name in decoded(line) and label for line, label in zip(lines, trav, strict=True))

    readme = c.files["README.txt"]
    assert "Asia/Karachi" in readme and "precision" in readme and "recall" in readme


@pytest.mark.parametrize("seed", SEEDS)
def test_the_logs_are_well_formed(seed):
    c = case(seed)
    for line in c.files["web_access.log"].splitlines():
        m = NGINX.fullmatch(line)
        assert m, line
        assert m["ip"].startswith("10.") or TEST_NET.fullmatch(m["ip"]), line
        assert " " not in m["path"] and '"' not in m["path"]
    assert all(EVENT.fullmatch(line) for line in c.files["powershell.log"].splitlines())
    assert all(SYSLOG.fullmatch(line) for line in c.files["auth.log"].splitlines())
    # labels follow the definitions in the prompts
    auth = c.answers["detect-ssh-failures"]
    assert auth["labels"] == ["Failed password" in line for line in auth["lines"]]
    for qid in DETECTION:
        sample = c.answers[qid]
        malicious = {
            line for line, bad in zip(sample["lines"], sample["labels"], strict=True) if bad
        }
        assert set(flagged(GOOD[qid][0], c.files[FILE_OF[qid]])) == malicious, qid


@pytest.mark.parametrize("seed", SEEDS)
def test_good_rules_pass_and_naive_or_broad_rules_fail(seed):
    c = case(seed)
    for qid in DETECTION:
        sample = c.answers[qid]
        # through the checker: a good rule, a too-narrow one and a realistic over-broad one
        verdict = check(qid, sample, GOOD[qid][0])
        assert verdict.correct and verdict.score == 1.0, (qid, verdict.message)
        for pattern in (NARROW[qid][0], BROAD[qid][1]):
            verdict = check(qid, sample, pattern)
            assert not verdict.correct and verdict.score < 1.0, (qid, pattern, verdict.message)
        # the others with our own (faster) arithmetic
        for pattern in GOOD[qid][1:]:
            assert measured(sample, pattern) == (1.0, 1.0), (qid, pattern)
        for pattern in NARROW[qid][1:] + BROAD[qid][:1] + BROAD[qid][2:]:
            precision, recall = measured(sample, pattern)
            assert precision < 0.9 or recall < 0.9, (qid, pattern, precision, recall)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_checkers_accept_natural_answers_and_refuse_the_next_seeds(seed):
    c, mine, theirs = case(seed), natural(seed), natural(seed + 1)
    for qid, submitted in mine.items():
        assert check(qid, c.answers[qid], submitted).correct, (qid, submitted)
        assert not check(qid, c.answers[qid], theirs[qid]).correct, (qid, theirs[qid])
    assert check(
        "traversal-file", c.answers["traversal-file"], f"  {mine['traversal-file'].upper()} "
    ).correct
    assert not check(
        "sqli-top-count", c.answers["sqli-top-count"], str(facts(seed)["count"] + 1)
    ).correct


# --- the detection checker itself ---------------------------------------------------------------


def test_a_rule_with_known_precision_and_recall_scores_as_computed_by_hand():
    sample = {
        "lines": [
            "GET /a?id=1 UNION SELECT 1",  # malicious, matched
            "GET /a?id=1 union select 1",  # malicious, matched
            "GET /a?id=1 UnIoN SeLeCt 1",  # malicious, matched
            "GET /a?id=1' OR '1'='1",  # malicious, missed
            "GET /search?q=union council",  # harmless, matched (false positive)
            "GET /",
            "GET /news",
            "GET /static/app.js",
            "GET /search?q=select committee",
            "GET /faq",
        ],
        "labels": [True, True, True, True, False, False, False, False, False, False],
    }
    options = {"min_precision": 0.9, "min_recall": 0.9, "timeout_seconds": 1.0, "max_length": 300}
    # matched 4 lines, 3 of them malicious: precision 3/4; found 3 of 4 malicious: recall 3/4
    with translation.override("en"):
        verdict = checkers.check("detection", sample, "(?i)union", options)
    assert not verdict.correct
    assert verdict.score == pytest.approx(0.75)  # F1 = 2·0.75·0.75 / 1.5
    assert verdict.message == (
        "Precision 75%, recall 75%. Harmless lines matched: 1. Malicious lines missed: 1."
    )
    # recall 4/4, precision 4/6 (two searches match): F1 = 2·(2/3)·1 / (5/3) = 0.8
    with translation.override("en"):
        verdict = checkers.check("detection", sample, "(?i)union|select|'", options)
    assert not verdict.correct and verdict.score == pytest.approx(0.8)
    assert verdict.message.startswith("Precision 66.6%, recall 100%.")
    # precision 1, recall 3/4 = 75%: F1 = 6/7
    with translation.override("en"):
        verdict = checkers.check("detection", sample, r"(?i)union\s+select", options)
    assert (
        verdict.score == pytest.approx(6 / 7) and "Harmless lines matched: 0." in verdict.message
    )
    with translation.override("en"):
        verdict = checkers.check("detection", sample, r"(?i)union\s+select|'\s*or", options)
    assert verdict.correct and verdict.score == 1.0
    assert verdict.message.startswith("Precision 100%, recall 100%.")


@pytest.mark.parametrize("pattern", ["(a|aa)+$", "(x+x+)+y", r"(\w+\s?)+$"])
def test_pathological_patterns_cannot_hang_the_worker(pattern):
    hostile = {
        "lines": ["a" * 40 + "!", "x" * 40, "GET /" + "a" * 60 + "!", "ok"],
        "labels": [True, True, False, False],
    }
    dot = check("detect-sqli", case(0).answers["detect-sqli"], ".")  # "." through the checker
    assert not dot.correct and dot.score < 0.5
    for sample in (hostile, case(0).answers["detect-sqli"]):
        started = time.monotonic()
        verdict = check("detect-sqli", sample, pattern)
        elapsed = time.monotonic() - started
        assert not verdict.correct and verdict.score < 1.0, (pattern, verdict)
        assert elapsed < 2.5, (pattern, elapsed)  # timeout_seconds is 1.0


def test_cases_are_deterministic():
    for seed in (0, 17, 2**55 + 3):
        first, again = generate(seed), generate(seed)
        assert first.files == again.files
        assert first.answers == again.answers and first.notes == again.notes
    assert generate(1).files["web_access.log"] != generate(2).files["web_access.log"]
    # Speed is measured, not asserted (about 20 ms a case); only a pathological slowdown fails.
    started = time.perf_counter()
    generate(100)
    assert time.perf_counter() - started < 2.0
