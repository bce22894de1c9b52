"""The "Phishing e-mail triage" lab: its definition, and 50 generated cases re-read from the
.eml text alone with the standard library's e-mail parser, as an analyst would."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import time
from datetime import datetime, timedelta, timezone
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from functools import cache

import pytest

from hifazat.labs import checkers, registry
from hifazat.labs.catalogue.phishing_triage import generator
from hifazat.labs.catalogue.phishing_triage.generator import generate
from hifazat.labs.tests import labkit
from hifazat.labs.tests.labkit import texts

SEEDS = range(50)
PKT = timezone(timedelta(hours=5))
FILES = [f"message-{n}.eml" for n in range(1, 6)]
QUESTIONS = (
    "phish-file",
    "origin-ip",
    "spf-result",
    "dmarc-result",
    "lookalike-domain",
    "attachment-sha256",
    "reply-to",
    "sent-time",
)
IDENTIFYING = ("phish-file", "origin-ip", "lookalike-domain", "attachment-sha256", "reply-to")
BRACKETED_IP = re.compile(r"\[([0-9a-fA-F:.]+)\]")
TEST_NET = re.compile(r"^(?:192\.0\.2|198\.51\.100|203\.0\.113)\.(\d{1,3})$")


definition, question, case, check = labkit.bind("phishing_triage", generate)


def parse(text: str) -> EmailMessage:
    return message_from_string(text, policy=policy.default)


def auth(msg: EmailMessage) -> dict[str, str]:
    header = " ".join(str(msg["Authentication-Results"]).split())
    return dict(re.findall(r"\b(spf|dkim|dmarc)=(\w+)", header))


def readme_facts(readme: str) -> tuple[str, ipaddress.IPv4Network]:
    domain = re.search(r"^Our mail domain: (\S+)$", readme, re.M)[1]
    net = re.search(r"office network (\d+\.\d+)\.0\.0/16", readme)[1]
    return domain, ipaddress.ip_network(f"{net}.0.0/16")


@cache
def facts(seed: int) -> dict:
    """What an analyst derives from the files alone."""
    files = case(seed).files
    domain, office = readme_facts(files["README.txt"])
    failing = [
        name for name in FILES if auth(parse(files[name])).get("dmarc") == "fail"
    ]  # only the phish fails DMARC
    assert len(failing) == 1, failing
    name = failing[0]
    msg = parse(files[name])
    received = [" ".join(str(h).split()) for h in msg.get_all("Received")]
    hops = [BRACKETED_IP.search(r)[1] for r in received]
    outside = [ip for ip in hops if ipaddress.ip_address(ip) not in office]
    public = [ip for ip in hops if ipaddress.ip_address(ip).is_global or TEST_NET.match(ip)]
    (sender,) = msg["From"].addresses
    (reply,) = msg["Reply-To"].addresses
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    data = attachments[0].get_payload(decode=True)  # the base64 decoded, as bytes
    assert isinstance(data, bytes)
    return {
        "domain": domain,
        "office": office,
        "file": name,
        "msg": msg,
        "received": received,
        "first_outside": outside[0],
        "first_public_from_bottom": public[-1],
        "auth": auth(msg),
        "from_domain": sender.domain,
        "reply_to": reply.addr_spec,
        "attachment": attachments[0].get_filename(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "data": data,
        "date": parsedate_to_datetime(str(msg["Date"])),
        "date_header": str(msg["Date"]),
    }


def natural(seed: int) -> dict[str, str]:
    """What a learner would type."""
    f = facts(seed)
    return {
        "phish-file": f["file"],
        "origin-ip": f["first_outside"],
        "spf-result": f["auth"]["spf"],
        "dmarc-result": f["auth"]["dmarc"],
        "lookalike-domain": f["from_domain"],
        "attachment-sha256": f["sha256"],
        "reply-to": f["reply_to"],
        "sent-time": f["date"].astimezone(PKT).strftime("%Y-%m-%d %H:%M:%S"),
    }


# --- the definition -------------------------------------------------------------------------


def test_the_package_loads_and_matches_the_brief():
    registry.read("phishing_triage")  # the loader's own checks, including generate(0)
    d = definition()
    assert d["slug"] == "phishing-triage" and d["version"] == 1
    assert [e["name"] for e in d["evidence"]] == [*FILES, "README.txt"]
    assert list(case(0).files) == [e["name"] for e in d["evidence"]]
    assert tuple(q["id"] for q in d["questions"]) == QUESTIONS
    kinds = [q["checker"] for q in d["questions"]]
    assert kinds == ["choice", "ip", "choice", "choice", "text", "hash", "text", "datetime"]
    assert [c["key"] for c in question("phish-file")["options"]["choices"]] == FILES
    spf = [c["key"] for c in question("spf-result")["options"]["choices"]]
    assert spf == ["pass", "fail", "softfail", "neutral", "none"]
    assert "fail" in [c["key"] for c in question("dmarc-result")["options"]["choices"]]
    assert question("attachment-sha256")["options"] == {"algorithm": "sha256"}
    assert question("sent-time")["options"]["timezone"] == "Asia/Karachi"
    for q in d["questions"]:
        checkers.get(q["checker"]).validate(q["options"])
        assert q["input"] == ("choice" if q["checker"] == "choice" else "line")
        assert 1 <= len(q["hints"]) <= 2 and all(1 <= h["cost"] <= 5 for h in q["hints"])
        for part in (q["prompt"], q["explanation"], *(h["text"] for h in q["hints"])):
            assert part["en"].strip() and part["ur"].strip()
            assert re.search(r"[\u0600-\u06ff]", part["ur"]), part["ur"]
    for key in ("title", "summary", "scenario"):
        assert re.search(r"[\u0600-\u06ff]", d[key]["ur"])


def test_no_text_gives_away_an_answer():
    words = "\n".join(texts(definition())).casefold()
    assert not re.search(r"\b(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d", words)
    assert not re.search(r"[0-9a-f]{32}", words)
    for abbr, _ in generator.MINISTRIES:
        assert f"{abbr}.gov" not in words and f"{abbr}-" not in words
    for providers in generator.FREEMAIL:
        for provider in providers:
            assert provider.split(".")[0] not in words
    for seed in SEEDS:
        a = case(seed).answers
        for qid in ("origin-ip", "attachment-sha256"):
            assert a[qid] not in words
        for qid in ("lookalike-domain", "reply-to"):
            assert all(form.casefold() not in words for form in a[qid])


# --- every seed -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_answer_is_in_the_evidence(seed):
    c, f = case(seed), facts(seed)
    a = c.answers
    assert set(a) == set(QUESTIONS)
    for qid in QUESTIONS:
        q = question(qid)
        checkers.get(q["checker"]).validate_expected(a[qid], q["options"])

    assert a["phish-file"] == f["file"] == c.notes["phish_file"]
    # the sending address: the first hop outside the office network, read from the top, is the
    # same as the first public address read from the bottom (the sender's own hop is localhost)
    assert a["origin-ip"] == f["first_outside"] == f["first_public_from_bottom"]
    assert TEST_NET.match(a["origin-ip"])
    assert f"client-ip={a['origin-ip']};" in " ".join(str(f["msg"]["Received-SPF"]).split())
    assert any("127.0.0.1" in r for r in f["received"][-1:])
    assert a["spf-result"] == f["auth"]["spf"] and a["spf-result"] in ("fail", "softfail")
    assert a["dmarc-result"] == f["auth"]["dmarc"] == "fail"
    assert f["auth"]["dkim"] in ("none", "fail")
    # the look-alike domain resembles the ministry's but is not inside gov.example
    fake = f["from_domain"]
    assert a["lookalike-domain"][0] == fake and fake != f["domain"]
    assert not fake.endswith(".gov.example") and fake.endswith(".example")
    abbr = f["domain"].split(".")[0]
    assert fake.startswith(abbr) or fake.startswith(generator.homoglyph(abbr))
    assert re.search(
        rf"smtp\.mailfrom=\S+@{re.escape(fake)}",
        " ".join(f["received"]) + " ".join(str(f["msg"]["Authentication-Results"]).split()),
    )
    assert f"{fake.rpartition('.')[0]}[.]{fake.rpartition('.')[2]}" in a["lookalike-domain"]
    # the attachment: decoded from base64 by the parser, hashed here
    assert a["attachment-sha256"] == f["sha256"]
    assert re.fullmatch(r"Notification_\d+\.(docm|html)", f["attachment"])
    if f["attachment"].endswith(".docm"):
        assert f["data"].startswith(b"PK\x03\x04") and b"vbaProject.bin" in f["data"]
    else:
        assert f["data"].startswith(b"<!DOCTYPE html>") and fake.encode() in f["data"]
    assert f["sha256"] not in c.files[f["file"]]  # it has to be computed
    # the Reply-To: a free-mail-like .example address, not the sender's domain
    assert a["reply-to"][0] == f["reply_to"] and f["reply_to"] in c.files[f["file"]]
    assert f["reply_to"].split("@")[1] not in (fake, f["domain"])
    # the time: the Date header, not in Pakistan time, consistent with the MX's Received line
    sent = datetime.fromisoformat(a["sent-time"])
    assert sent == f["date"] and sent.utcoffset() != timedelta(hours=5)
    mx_line = next(r for r in f["received"] if f"[{a['origin-ip']}]" in r)
    mx_time = parsedate_to_datetime(mx_line.rsplit(";", 1)[1].strip().split(" (")[0])
    assert timedelta(0) < mx_time - sent < timedelta(seconds=30)
    assert mx_time.utcoffset() == timedelta(hours=5)

    # the other messages: genuine ones pass everything for the ministry's own domain
    genuine = 0
    for name in FILES:
        if name == f["file"]:
            continue
        msg = parse(c.files[name])
        results = auth(msg)
        assert results["dmarc"] in ("pass", "none")
        sender_domain = msg["From"].addresses[0].domain
        if sender_domain == f["domain"]:
            genuine += 1
            assert results == {"spf": "pass", "dkim": "pass", "dmarc": "pass"}
        assert a["origin-ip"] not in c.files[name]
        assert fake not in c.files[name]
    assert genuine == 1


@pytest.mark.parametrize("seed", SEEDS)
def test_the_checkers_accept_natural_answers_and_refuse_the_next_seeds(seed):
    c, mine, theirs = case(seed), natural(seed), natural(seed + 1)
    f = facts(seed)
    for qid, submitted in mine.items():
        assert check(qid, c.answers[qid], submitted).correct, (qid, submitted)
    for qid in IDENTIFYING:
        assert not check(qid, c.answers[qid], theirs[qid]).correct, (qid, theirs[qid])
    # other natural forms
    fake, reply = f["from_domain"], f["reply_to"]
    assert check("lookalike-domain", c.answers["lookalike-domain"], fake.upper()).correct
    assert check(
        "lookalike-domain", c.answers["lookalike-domain"], fake.replace(".", "[.]")
    ).correct
    assert not check("lookalike-domain", c.answers["lookalike-domain"], f["domain"]).correct
    host, _, tld = reply.rpartition(".")
    assert check("reply-to", c.answers["reply-to"], f" {host}[.]{tld} ").correct
    assert not check(
        "reply-to", c.answers["reply-to"], str(f["msg"]["From"].addresses[0].addr_spec)
    ).correct
    digest = f["sha256"]
    assert check("attachment-sha256", c.answers["attachment-sha256"], digest.upper()).correct
    assert check("attachment-sha256", c.answers["attachment-sha256"], f"sha256:{digest}").correct
    b64 = hashlib.sha256(f["msg"].get_payload()[-1].get_payload().encode()).hexdigest()
    assert not check("attachment-sha256", c.answers["attachment-sha256"], b64).correct
    eml = hashlib.sha256(c.files[f["file"]].encode()).hexdigest()
    assert not check("attachment-sha256", c.answers["attachment-sha256"], eml).correct
    # the time: in PKT, with the header's offset, as ISO; the unconverted clock time is refused
    sent = f["date"]
    with_offset = (
        sent.strftime("%Y-%m-%d %H:%M:%S ")
        + sent.strftime("%z")[:3]
        + ":"
        + sent.strftime("%z")[3:]
    )
    assert check("sent-time", c.answers["sent-time"], with_offset).correct
    assert check("sent-time", c.answers["sent-time"], sent.isoformat()).correct
    naive = sent.strftime("%Y-%m-%d %H:%M:%S")
    verdict = check("sent-time", c.answers["sent-time"], naive)
    assert not verdict.correct and "time zone" in str(verdict.message)
    # the genuine e-Office message is not the phish, and pass is not the phish's SPF result
    assert not check("spf-result", c.answers["spf-result"], "pass").correct
    assert not check("dmarc-result", c.answers["dmarc-result"], "pass").correct
    others = [name for name in FILES if name != f["file"]]
    assert all(not check("phish-file", c.answers["phish-file"], name).correct for name in others)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_messages_are_realistic(seed):
    c = case(seed)
    readme = c.files["README.txt"]
    domain, office = readme_facts(readme)
    assert "Asia/Karachi" in readme and "UTC+05:00" in readme
    for name in FILES:
        text = c.files[name]
        assert name in readme
        assert text.isascii() and "\r" not in text
        msg = parse(text)
        assert not msg.defects, (name, msg.defects)
        for header in (
            "Return-Path",
            "Received",
            "Authentication-Results",
            "Message-ID",
            "X-Mailer",
            "Date",
            "From",
            "To",
            "Subject",
        ):
            assert msg[header] is not None, (name, header)
        assert len(msg.get_all("Received")) >= 2
        assert msg.is_multipart() or name != facts(seed)["file"]
        assert str(msg["Delivered-To"]).endswith("@" + domain)
        # every message reached the ministry's mailbox server last
        top = " ".join(str(msg.get_all("Received")[0]).split())
        assert re.search(rf"by mbx0\d\.{re.escape(domain)} ", top)
        hop = ipaddress.ip_address(BRACKETED_IP.search(top)[1])
        assert hop in office
        assert all(len(line) <= 998 for line in text.splitlines())
        for ip in re.findall(r"\b\d+\.\d+\.\d+\.\d+\b", text):
            addr = ipaddress.ip_address(ip)
            assert addr in office or addr.is_private or addr.is_loopback or TEST_NET.match(ip), ip
        hosts = re.findall(r"@([\w.-]+)", text) + re.findall(r"https?://([\w.-]+)", text)
        hosts += re.findall(r"(?:from|by) ([\w-]+(?:\.[\w-]+)+) ", " ".join(text.split()))
        assert hosts
        assert all(h.endswith(".example") for h in hosts), hosts


def test_cases_are_deterministic():
    for seed in (0, 17, 2**55 + 3):
        first, again = generate(seed), generate(seed)
        assert first.files == again.files
        assert first.answers == again.answers and first.notes == again.notes
    assert generate(1).files["message-1.eml"] != generate(2).files["message-1.eml"]
    started = time.perf_counter()
    generate(100)
    assert time.perf_counter() - started < 2.0
