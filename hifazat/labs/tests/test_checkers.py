"""The lab answer checkers: every kind, the hostile inputs, and the never-leak rule."""

import time

import pytest

from hifazat.labs import checkers
from hifazat.labs.checkers import MAX_SUBMISSION, REGISTRY, Verdict


def run(kind, expected, submitted, options=None):
    """checkers.check plus the invariants every verdict must keep."""
    verdict = checkers.check(kind, expected, submitted, options)
    assert isinstance(verdict, Verdict)
    assert 0.0 <= verdict.score <= 1.0
    assert (verdict.score == 1.0) == verdict.correct, verdict
    assert isinstance(verdict.message, str)
    for secret in expected if isinstance(expected, list) else [expected]:
        if isinstance(secret, str) and len(secret) >= 4:
            assert secret.casefold() not in verdict.message.casefold(), verdict
    return verdict


def right(kind, expected, submitted, options=None):
    return run(kind, expected, submitted, options).correct


def bad_definition(kind, expected, options):
    with pytest.raises(ValueError):
        REGISTRY[kind].validate_expected(expected, options)


# Registry and common rules ------------------------------------------------------------------


def test_registry_has_every_checker():
    assert set(REGISTRY) == {
        "text",
        "regex",
        "ip",
        "hash",
        "integer",
        "datetime",
        "choice",
        "set",
        "ordering",
        "config",
        "detection",
        "composite",
    }
    assert all(checker.name == name for name, checker in REGISTRY.items())
    assert checkers.get("ip") is REGISTRY["ip"]
    with pytest.raises(KeyError, match="unknown checker 'nope'"):
        checkers.get("nope")
    with pytest.raises(KeyError):
        checkers.check("nope", "x", "x")


def test_unknown_and_missing_options_raise():
    with pytest.raises(ValueError, match="unknown option"):
        REGISTRY["text"].validate({"mdoe": "exact"})
    with pytest.raises(ValueError, match="missing option"):
        REGISTRY["choice"].validate({})
    with pytest.raises(ValueError, match="mapping"):
        REGISTRY["text"].validate(["exact"])


@pytest.mark.parametrize(
    ("kind", "expected", "options"),
    [
        ("text", "x", None),
        ("ip", "192.0.2.1", None),
        ("integer", 5, None),
        ("config", [{"key": "Port", "op": "eq", "value": "22"}], {"format": "sshd"}),
        ("detection", {"lines": ["a"], "labels": [True]}, None),
        ("set", ["a"], None),
    ],
)
def test_over_long_blank_and_non_text_submissions_are_refused(kind, expected, options):
    too_long = run(kind, expected, "1" * (MAX_SUBMISSION + 1), options)
    assert (too_long.correct, too_long.score) == (False, 0.0)
    assert "too long" in too_long.message
    assert "Enter an answer" in run(kind, expected, " \n\t", options).message
    assert not run(kind, expected, None, options).correct


# text ------------------------------------------------------------------------------------


def test_text_default_mode_trims_casefolds_and_collapses_whitespace():
    assert right("text", "svc-backup", "  SVC-Backup \n")
    assert right("text", "new user added", "New   user\tadded")
    assert right("text", ["admin", "administrator"], "Administrator")
    assert right("text", "caf\u00e9", "CAFE\u0301")  # composed and decomposed é
    assert not right("text", "svc-backup", "svc_backup")


def test_text_modes():
    assert right("text", "Ab", "Ab", {"mode": "exact"})
    assert not right("text", "Ab", " Ab", {"mode": "exact"})
    assert right("text", "Ab", " Ab\n", {"mode": "trimmed"})
    assert not right("text", "Ab", "ab", {"mode": "trimmed"})
    assert right("text", "a b", " A B ", {"mode": "casefold"})
    assert not right("text", "a b", "a  b", {"mode": "casefold"})


def test_text_bad_definitions():
    with pytest.raises(ValueError, match="mode"):
        REGISTRY["text"].validate({"mode": "fuzzy"})
    bad_definition("text", "   ", {})
    bad_definition("text", [], {})
    bad_definition("text", 42, {})


# regex -----------------------------------------------------------------------------------


def test_regex_full_match_not_search():
    pattern = r"CVE-\d{4}-\d{4,}"
    assert right("regex", pattern, " CVE-2024-3094 ")
    contains_only = run("regex", pattern, "see CVE-2024-3094 for details")
    assert not contains_only.correct
    assert not right("regex", pattern, "cve-2024-3094")
    assert right("regex", pattern, "cve-2024-3094", {"ignore_case": True})


def test_regex_bad_definitions_and_slow_patterns():
    bad_definition("regex", "(unclosed", {})
    bad_definition("regex", "", {})
    with pytest.raises(ValueError, match="ignore_case"):
        REGISTRY["regex"].validate({"ignore_case": "yes"})
    started = time.monotonic()
    slow = run("regex", "(a|aa)+", "a" * 5000 + "b")
    assert time.monotonic() - started < 2
    assert not slow.correct


# ip --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "submitted",
    [
        "2001:db8::1",
        "2001:DB8:0:0:0:0:0:1",
        "2001:0db8:0000::0001",
        " [2001:db8::1] ",
        "[2001:DB8::1]",
    ],
)
def test_ipv6_forms_are_equal(submitted):
    assert right("ip", "2001:db8::1", submitted)
    assert right("ip", "2001:DB8:0:0:0:0:0:1", submitted)


def test_ipv4_mapped_addresses():
    assert right("ip", "203.0.113.5", "::ffff:203.0.113.5")
    assert right("ip", "::ffff:203.0.113.5", "203.0.113.5")
    assert right("ip", "203.0.113.5", "::FFFF:cb00:7105")
    assert not right("ip", "203.0.113.5", "::ffff:203.0.113.5", {"allow_mapped": False})


def test_ip_wrong_family_and_wrong_address():
    assert not right("ip", "192.0.2.1", "2001:db8::1")
    assert not right("ip", "2001:db8::1", "192.0.2.1")
    assert not right("ip", "192.0.2.1", "192.0.2.10")


def test_ip_leading_zeros_and_garbage_get_messages():
    verdict = run("ip", "10.1.1.1", "010.1.1.1")
    assert not verdict.correct and "leading zeros" in verdict.message
    assert "leading zeros" in run("ip", "10.1.1.1", "::ffff:10.01.1.1").message
    assert "not a valid IP address" in run("ip", "10.1.1.1", "10.1.1").message
    assert "not a network" in run("ip", "10.1.1.1", "10.1.1.1/32").message


def test_cidr_normalisation():
    cidr = {"cidr": True}
    assert right("ip", "10.1.2.0/24", "10.1.2.3/24", cidr)  # host bits ignored
    assert right("ip", "10.1.2.3/24", "10.1.2.0/24", cidr)
    assert not right("ip", "10.1.2.0/24", "10.1.0.0/16", cidr)
    assert right("ip", "203.0.113.5/32", "203.0.113.5", cidr)  # a bare address is a /32
    assert right("ip", "203.0.113.5/32", "203.0.113.5/32", cidr)
    assert right("ip", "2001:db8:0:1::/64", "2001:DB8:0:1:0:0:0:5/64", cidr)
    assert right("ip", "2001:db8:0:1::/64", "[2001:db8:0:1::]/64", cidr)
    assert right("ip", "10.1.2.0/24", "::ffff:10.1.2.0/120", cidr)
    assert not right("ip", "10.1.2.0/24", "2001:db8::/24", cidr)
    hint = run("ip", "10.1.2.0/24", "10.1.2.0", cidr)
    assert not hint.correct and "prefix length" in hint.message
    assert "leading zeros" in run("ip", "10.1.2.0/24", "10.01.2.0/24", cidr).message


def test_ip_bad_definitions():
    bad_definition("ip", "300.1.1.1", {})
    bad_definition("ip", "010.1.1.1", {})
    bad_definition("ip", "10.0.0.0/8", {})  # a network without cidr: true
    bad_definition("ip", "10.0.0.0/33", {"cidr": True})
    with pytest.raises(ValueError, match="cidr"):
        REGISTRY["ip"].validate({"cidr": "yes"})


# hash ------------------------------------------------------------------------------------

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
MD5 = "098f6bcd4621d373cade4e832627b4f6"


def test_hash_forms():
    assert right("hash", SHA256, SHA256.upper())
    assert right("hash", SHA256, f"  sha256:{SHA256}\n")
    assert right("hash", SHA256, f"SHA-256: {SHA256.upper()}")
    assert right(
        "hash", MD5, ":".join(MD5[i : i + 2] for i in range(0, 32, 2)), {"algorithm": "md5"}
    )
    assert not right("hash", SHA256, SHA256[:-1] + "0")


def test_hash_lengths_and_messages():
    short = run("hash", SHA256, SHA256[:-1])
    assert not short.correct
    assert short.message == "SHA-256 hashes have 64 hex digits; your answer has 63."
    assert "32 hex digits" in run("hash", MD5, MD5 + "0", {"algorithm": "md5"}).message
    assert "40 hex digits" in run("hash", "a" * 40, "a" * 64, {"algorithm": "sha1"}).message
    assert right("hash", "b" * 128, "B" * 128, {"algorithm": "sha512"})
    assert "0–9" in run("hash", SHA256, "z" * 64).message
    assert "asks for a SHA-256" in run("hash", SHA256, f"md5:{MD5}").message


def test_hash_bad_definitions():
    bad_definition("hash", MD5, {})  # 32 digits for sha256
    bad_definition("hash", "xyz", {"algorithm": "md5"})
    with pytest.raises(ValueError, match="algorithm"):
        REGISTRY["hash"].validate({"algorithm": "sha3"})


# integer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("submitted", ["1234", "1,234", "1 234", "+1234", " 1234 ", "1\u202f234"])
def test_integer_forms(submitted):
    assert right("integer", 1234, submitted)


def test_integer_grouping_signs_and_digits():
    assert right("integer", 123456, "1,23,456")  # lakh grouping
    assert right("integer", 1234567, "1,234,567")
    assert right("integer", -5, "-5")
    assert right("integer", 312, "۳۱۲")  # Urdu digits
    assert "not a whole number" in run("integer", 1234, "12,34").message
    assert "not a whole number" in run("integer", 1234, "about 1200").message
    assert "far too large" in run("integer", 1, "9" * 5000).message


@pytest.mark.parametrize("submitted", ["12.0", "12.5", "1,234.5", ".5"])
def test_integer_refuses_decimals(submitted):
    verdict = run("integer", 12, submitted)
    assert not verdict.correct and "decimal point" in verdict.message


def test_integer_tolerance_and_range():
    assert right("integer", 100, "103", {"tolerance": 3})
    assert right("integer", 100, "97", {"tolerance": 3})
    assert not right("integer", 100, "104", {"tolerance": 3})
    assert not right("integer", 100, "101")
    assert right("integer", None, "10", {"min": 10, "max": 20})
    assert right("integer", 15, "20", {"min": 10, "max": 20})
    assert not right("integer", 15, "21", {"min": 10, "max": 20})
    assert not right("integer", 15, "9", {"min": 10, "max": 20})
    assert right("integer", None, "5000", {"min": 10})


def test_integer_bad_definitions():
    for options in (
        {"tolerance": -1},
        {"tolerance": 1.5},
        {"min": 5, "max": 1},
        {"tolerance": 1, "min": 0},
    ):
        with pytest.raises(ValueError):
            REGISTRY["integer"].validate(options)
    bad_definition("integer", True, {})
    bad_definition("integer", "12", {})
    bad_definition("integer", 30, {"min": 10, "max": 20})


# datetime --------------------------------------------------------------------------------

LOGIN = "2026-03-14T09:12:03+05:00"


@pytest.mark.parametrize(
    "submitted",
    [
        "2026-03-14T09:12:03+05:00",
        "2026-03-14 09:12:03",  # naive: read as Asia/Karachi
        "2026-03-14T04:12:03Z",
        "2026-03-14t04:12:03z",
        "2026-03-14 04:12:03 UTC",
        "2026-03-14T04:12:03+00:00",
        "2026-03-14 06:12:03 +0200",
        "2026-03-14 09:12",
        "14/03/2026 09:12:03",
        "14/03/2026 09:12",
        "14/3/2026, 9:12",
    ],
)
def test_datetime_accepted_forms(submitted):
    assert right("datetime", LOGIN, submitted)


def test_datetime_syslog_needs_the_year_option():
    assert right("datetime", LOGIN, "Mar 14 09:12:03", {"year": 2026})
    assert right("datetime", LOGIN, "mar  14 09:12:03", {"year": 2026})
    assert not right("datetime", LOGIN, "Mar 14 09:12:03", {"year": 2025})
    verdict = run("datetime", LOGIN, "Mar 14 09:12:03")
    assert not verdict.correct and "year" in verdict.message
    assert "month" in run("datetime", LOGIN, "Foo 14 09:12:03", {"year": 2026}).message


def test_datetime_tolerance_edges():
    assert right("datetime", LOGIN, "2026-03-14 09:13:03")  # +60 s
    assert right("datetime", LOGIN, "2026-03-14 09:11:03")  # -60 s
    assert not right("datetime", LOGIN, "2026-03-14 09:13:04")  # +61 s
    assert not right("datetime", LOGIN, "2026-03-14 09:11:02")  # -61 s
    assert right("datetime", LOGIN, "2026-03-14 09:12:03.900", {"tolerance_seconds": 1})
    assert not right("datetime", LOGIN, "2026-03-14 09:12:05", {"tolerance_seconds": 1})
    assert right("datetime", LOGIN, "2026-03-14 09:12:03", {"tolerance_seconds": 0})


def test_datetime_time_zones():
    # A learner who copies the UTC time without saying so is five hours out, and told to check.
    verdict = run("datetime", LOGIN, "2026-03-14 04:12:03")
    assert not verdict.correct and "time zone" in verdict.message
    assert right("datetime", LOGIN, "2026-03-14 04:12:03", {"timezone": "UTC"})
    assert right(
        "datetime", "2026-07-01T12:00:00+00:00", "2026-07-01 13:00", {"timezone": "Europe/London"}
    )
    far = run("datetime", LOGIN, "2026-03-15 09:12:03")
    assert not far.correct and "time zone" not in far.message


def test_datetime_unreadable_submissions():
    assert "time of day" in run("datetime", LOGIN, "2026-03-14").message
    assert "not a valid date" in run("datetime", LOGIN, "31/02/2026 09:12").message
    assert "could not be read" in run("datetime", LOGIN, "yesterday at nine").message
    assert "could not be read" in run("datetime", LOGIN, "03/14/2026 09:12 PM").message


def test_datetime_bad_definitions():
    bad_definition("datetime", "2026-03-14T09:12:03", {})  # no offset
    bad_definition("datetime", "14 March", {})
    for options in ({"timezone": "Mars/Olympus"}, {"tolerance_seconds": -1}, {"year": "2026"}):
        with pytest.raises(ValueError):
            REGISTRY["datetime"].validate(options)


# choice ----------------------------------------------------------------------------------

CHOICES = {
    "choices": [{"key": "brute", "label": "Brute force"}, {"key": "phish", "label": "Phishing"}]
}


def test_choice():
    assert right("choice", "brute", "brute", CHOICES)
    assert "not the right choice" in run("choice", "brute", "phish", CHOICES).message
    assert "not one of the choices" in run("choice", "brute", "Brute", CHOICES).message
    assert not right("choice", "brute", " brute", CHOICES)


def test_choice_bad_definitions():
    bad_definition("choice", "worm", CHOICES)
    duplicate = {"choices": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}
    for options in ({"choices": []}, {"choices": [{"key": "a"}]}, duplicate):
        with pytest.raises(ValueError):
            REGISTRY["choice"].validate(options)


# set -------------------------------------------------------------------------------------

ACCOUNTS = ["svc-backup", "sysupdate", "nagios2"]


def test_set_equal_in_any_order_and_separator():
    assert right("set", ACCOUNTS, "nagios2, SYSUPDATE;svc-backup")
    assert right("set", ACCOUNTS, "nagios2\r\nsysupdate\n\nsvc-backup\n,")
    assert right(
        "set", ACCOUNTS, "nagios2, nagios2, sysupdate, svc-backup"
    )  # duplicates count once


def test_set_partial_scores_and_messages():
    one_wrong = run("set", ACCOUNTS, "svc-backup, sysupdate, root")
    assert not one_wrong.correct
    assert one_wrong.score == pytest.approx(1 / 3)  # (2 right - 1 wrong) / 3
    assert one_wrong.message == "Right: 2. Wrong: 1. Missing: 1."
    missing = run("set", ACCOUNTS, "svc-backup, sysupdate")
    assert missing.score == pytest.approx(2 / 3)
    assert run("set", ACCOUNTS, "root, admin, svc-backup").score == 0.0  # never negative
    everything = run("set", ACCOUNTS, "svc-backup, sysupdate, nagios2, root")
    assert not everything.correct and everything.score == pytest.approx(2 / 3)


def test_set_of_ips_and_hashes():
    ips = ["203.0.113.5", "2001:db8::1"]
    assert right("set", ips, "2001:DB8:0:0:0:0:0:1, ::ffff:203.0.113.5", {"item": "ip"})
    unreadable = run("set", ips, "203.0.113.5, 2001:db8::1, 010.0.0.1", {"item": "ip"})
    assert not unreadable.correct and "could not be read" in unreadable.message
    networks = {"item": "ip", "item_options": {"cidr": True}}
    assert right("set", ["10.0.0.0/8", "192.0.2.0/24"], "192.0.2.9/24; 10.1.2.3/8", networks)
    assert right(
        "set",
        [MD5, "f" * 32],
        f"{'F' * 32}\nmd5:{MD5}",
        {"item": "hash", "item_options": {"algorithm": "md5"}},
    )


def test_set_bad_definitions():
    bad_definition("set", ["a", "A "], {})  # duplicates once canonical
    bad_definition("set", [], {})
    bad_definition("set", ["300.0.0.1"], {"item": "ip"})
    for options in ({"item": "integer"}, {"item": "ip", "item_options": {"cidr": 1}}):
        with pytest.raises(ValueError):
            REGISTRY["set"].validate(options)


# ordering --------------------------------------------------------------------------------

STEPS = ["isolate", "preserve evidence", "reset passwords", "report"]


def test_ordering():
    assert right("ordering", STEPS, "Isolate, preserve  evidence, reset passwords, REPORT")
    swapped = run("ordering", STEPS, "isolate\nreset passwords\npreserve evidence\nreport")
    assert not swapped.correct and swapped.score == 0.5
    assert swapped.message == "Positions right: 2 of 4."
    longer = run("ordering", STEPS, ", ".join([*STEPS, "celebrate"]))
    assert not longer.correct and longer.score == pytest.approx(4 / 5)
    shorter = run("ordering", STEPS, "isolate, preserve evidence")
    assert shorter.score == 0.5 and "should have 4 items" in shorter.message
    bad_definition("ordering", "isolate", {})


# config ----------------------------------------------------------------------------------

SSHD = """\
# Hardened by the learner
Port 2222
PermitRootLogin no
PasswordAuthentication no   # keys only
MaxAuthTries 3
X11Forwarding no
Subsystem sftp /usr/lib/openssh/sftp-server
"""
SSHD_REQUIREMENTS = [
    {"key": "PermitRootLogin", "op": "in", "value": ["no", "prohibit-password"]},
    {"key": "PasswordAuthentication", "op": "eq", "value": "no"},
    {"key": "MaxAuthTries", "op": "le", "value": 4},
]
SSHD_OPTIONS = {"format": "sshd", "keep": ["Port", "Subsystem"]}


def sshd(text, requirements=SSHD_REQUIREMENTS, options=SSHD_OPTIONS):
    return run("config", requirements, text, options)


def test_sshd_all_right():
    verdict = sshd(SSHD)
    assert verdict.correct and verdict.score == 1.0
    assert sshd(SSHD.replace("PermitRootLogin no", "permitrootlogin=prohibit-password")).correct
    assert sshd(SSHD.replace("MaxAuthTries 3", "MAXAUTHTRIES 4")).correct


def test_sshd_first_occurrence_wins():
    later_fix = "PermitRootLogin yes\n" + SSHD
    verdict = sshd(later_fix)
    assert not verdict.correct and verdict.score == pytest.approx(4 / 5)
    assert verdict.message == "Not right yet: PermitRootLogin."
    assert sshd(SSHD + "PermitRootLogin yes\n").correct  # later lines are ignored


def test_sshd_match_blocks_do_not_set_global_values():
    fixed_only_in_match = (
        SSHD.replace("MaxAuthTries 3\n", "") + "Match User deploy\n  MaxAuthTries 2\n"
    )
    assert "MaxAuthTries" in sshd(fixed_only_in_match).message
    loosened_in_match = SSHD + "Match Address 10.0.0.0/8\n    PasswordAuthentication yes\n"
    assert sshd(loosened_in_match).correct


def test_sshd_keep_stops_deleting_the_file():
    verdict = sshd("PermitRootLogin no\nPasswordAuthentication no\nMaxAuthTries 3\n")
    assert not verdict.correct
    assert verdict.score == pytest.approx(3 / 5)
    assert verdict.message == "These settings must stay in the file: Port, Subsystem."


def test_sshd_messages_name_keys_never_values():
    verdict = sshd(
        SSHD.replace("MaxAuthTries 3", "MaxAuthTries 6").replace(
            "PermitRootLogin no", "PermitRootLogin yes"
        )
    )
    assert verdict.message == "Not right yet: PermitRootLogin, MaxAuthTries."
    assert "prohibit" not in verdict.message and "4" not in verdict.message


def test_sshd_time_values_and_absent():
    requirements = [
        {"key": "LoginGraceTime", "op": "le", "value": 60},
        {"key": "PermitEmptyPasswords", "op": "absent"},
    ]
    assert sshd("LoginGraceTime 1m\n", requirements, {"format": "sshd"}).correct
    assert sshd("LoginGraceTime 45s\n", requirements, {"format": "sshd"}).correct
    assert not sshd("LoginGraceTime 1m30s\n", requirements, {"format": "sshd"}).correct
    assert not sshd("LoginGraceTime forever\n", requirements, {"format": "sshd"}).correct
    assert not sshd(
        "LoginGraceTime 30\nPermitEmptyPasswords no\n", requirements, {"format": "sshd"}
    ).correct


def test_config_unparseable_lines_are_named():
    verdict = sshd(SSHD.replace("X11Forwarding no", "X11Forwarding"))
    assert (verdict.correct, verdict.score) == (False, 0.0)
    assert verdict.message.startswith("Line 6 cannot be read")
    several = sshd("PermitRootLogin: no\n" + SSHD + "MaxAuthTries\n")
    assert several.message.startswith("Lines 1, 9 cannot be read")


SYSCTL_REQUIREMENTS = [
    {"key": "net.ipv4.ip_forward", "op": "eq", "value": 0},
    {"key": "net.ipv4.conf.all.accept_redirects", "op": "eq", "value": "0"},
    {"key": "kernel.randomize_va_space", "op": "ge", "value": 2},
]


def test_sysctl_last_wins_and_slashes():
    options = {"format": "sysctl", "keep": ["vm.swappiness"]}
    text = """\
; comments of both kinds
# net.ipv4.ip_forward = 1
net.ipv4.ip_forward = 1
vm.swappiness=10
net/ipv4/conf/all/accept_redirects = 0
kernel.randomize_va_space = 2
net.ipv4.ip_forward = 0
"""
    assert run("config", SYSCTL_REQUIREMENTS, text, options).correct
    reverted = run("config", SYSCTL_REQUIREMENTS, text + "net.ipv4.ip_forward=1\n", options)
    assert reverted.message == "Not right yet: net.ipv4.ip_forward."
    assert reverted.score == pytest.approx(3 / 4)
    broken = run("config", SYSCTL_REQUIREMENTS, text + "kernel.panic 10\n", options)
    assert not broken.correct and broken.message.startswith("Line 8 cannot be read")


def test_config_bad_definitions():
    options = {"format": "sshd"}
    bad_definition(
        "config", [{"key": "PermitRootLogin", "op": "eq", "value": False}], options
    )  # YAML `no`
    bad_definition("config", [{"key": "PermitRootLogin", "op": "like", "value": "no"}], options)
    bad_definition("config", [{"key": "MaxAuthTries", "op": "le", "value": "4"}], options)
    bad_definition("config", [{"key": "X", "op": "absent", "value": "y"}], options)
    bad_definition("config", [{"key": "X", "op": "in", "value": []}], options)
    bad_definition("config", [], options)
    for bad in ({}, {"format": "apache"}, {"format": "sshd", "keep": "Port"}):
        with pytest.raises(ValueError):
            REGISTRY["config"].validate(bad)


NGINX = """\
user www-data;
worker_processes auto;   # one per core

events { worker_connections 768; }

http {
    include /etc/nginx/mime.types;
    server_tokens off;
    ssl_protocols TLSv1.2 TLSv1.3;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "${http_referer}"';

    server {
        listen 80;
        server_name portal.example;
        return 301 https://$host$request_uri;
    }

    server {
        listen 443 ssl http2;
        server_name portal.example;
        ssl_certificate /etc/ssl/portal.crt;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:!aNULL:!RC4;
        add_header X-Frame-Options "DENY" always;
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
        root /var/www/portal;

        location /files/ {
            autoindex off;
        }
        location ~ \\.php$ {
            fastcgi_pass unix:/run/php/php8.1-fpm.sock;
        }
    }
}
"""
NGINX_REQUIREMENTS = [
    {"key": "ssl_protocols", "op": "lacks", "value": "TLSv1"},
    {"key": "ssl_protocols", "op": "lacks", "value": "TLSv1.1"},
    {"key": "ssl_protocols", "op": "has", "value": "TLSv1.2"},
    {"key": "ssl_ciphers", "op": "lacks", "value": "RC4", "match": "substring"},
    {"key": "ssl_ciphers", "op": "lacks", "value": "DES", "match": "substring"},
    {"key": "server_tokens", "op": "eq", "value": "off"},
    {"key": "autoindex", "op": "eq", "value": "off", "default": "off"},
    {"key": "add_header", "op": "has", "value": "Strict-Transport-Security"},
]
NGINX_OPTIONS = {"format": "nginx", "keep": ["listen", "server_name", "root"]}


def nginx(text, requirements=NGINX_REQUIREMENTS, options=NGINX_OPTIONS):
    return run("config", requirements, text, options)


def test_nginx_all_right():
    verdict = nginx(NGINX)
    assert verdict.correct, verdict
    assert nginx(
        NGINX.replace(
            "        location /files/ {\n            autoindex off;\n",
            "        location /files/ {\n",
        )
    ).correct  # default
    # set in the server instead of inherited from http; comments and odd spacing
    moved = NGINX.replace("    server_tokens off;\n", "").replace(
        "listen 443 ssl http2;", "listen 443 ssl http2;  # HTTPS\n  SERVER_TOKENS   'off' ;"
    )
    assert nginx(moved).correct


def test_nginx_multi_value_tokens():
    weak = nginx(NGINX.replace("TLSv1.2 TLSv1.3", "TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"))
    assert weak.message == "Not right yet: ssl_protocols." and weak.score == pytest.approx(9 / 11)
    assert not nginx(NGINX.replace("TLSv1.2 TLSv1.3", "TLSv1.1 TLSv1.2")).correct
    assert not nginx(NGINX.replace("TLSv1.2 TLSv1.3", "TLSv1.3")).correct  # has TLSv1.2
    assert nginx(NGINX.replace("TLSv1.2 TLSv1.3", "tlsv1.2")).correct
    for weak_cipher in ("RC4-SHA", "ECDHE-RSA-DES-CBC3-SHA", "EDH-RSA-DES-CBC-SHA"):
        text = NGINX.replace("!aNULL:!RC4", f"{weak_cipher}:!aNULL")
        assert nginx(text).message == "Not right yet: ssl_ciphers.", weak_cipher
    assert nginx(NGINX.replace("!RC4", "!RC4:-3DES")).correct  # exclusions are not ciphers
    assert nginx(
        NGINX.replace("ssl_ciphers ECDHE", "ssl_ciphers 'ECDHE").replace("!RC4;", "!RC4';")
    ).correct


def test_nginx_scope_is_the_first_tls_server_with_inheritance():
    # the plain-HTTP server does not count
    assert nginx(NGINX.replace("listen 80;", "listen 80;\n        autoindex on;")).correct
    # a location inside the HTTPS server that switches it on does
    verdict = nginx(NGINX.replace("autoindex off;", "autoindex on;"))
    assert verdict.message == "Not right yet: autoindex."
    # set in the server, it beats the http level
    overridden = NGINX.replace("listen 443 ssl http2;", "listen 443 ssl http2;\nserver_tokens on;")
    assert nginx(overridden).message == "Not right yet: server_tokens."
    # missing everywhere: no default for server_tokens
    assert (
        nginx(NGINX.replace("    server_tokens off;\n", "")).message
        == "Not right yet: server_tokens."
    )
    # add_header in a location replaces the server's headers there
    dropped = NGINX.replace("autoindex off;", "add_header Cache-Control no-store;")
    assert nginx(dropped).message == "Not right yet: add_header."
    no_hsts = NGINX.replace(
        '        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;\n',
        "",
    )
    assert nginx(no_hsts).message == "Not right yet: add_header."
    commented = NGINX.replace("        add_header Strict", "        # add_header Strict")
    assert nginx(commented).message == "Not right yet: add_header."


def test_nginx_absent_in_and_keep():
    requirements = [
        {"key": "autoindex", "op": "absent"},
        {"key": "ssl_protocols", "op": "in", "value": ["TLSv1.2 TLSv1.3", "TLSv1.3"]},
    ]
    assert not nginx(NGINX, requirements, {"format": "nginx"}).correct
    text = NGINX.replace("autoindex off;", "")
    assert nginx(text, requirements, {"format": "nginx"}).correct
    verdict = nginx(text.replace("        root /var/www/portal;\n", ""))
    assert verdict.message == "These settings must stay in the file: root."
    no_tls = nginx(NGINX.replace("listen 443 ssl http2;", "listen 443;"))
    assert (no_tls.correct, no_tls.score) == (False, 0.0) and "listen" in no_tls.message


@pytest.mark.parametrize(
    ("broken", "line", "words"),
    [
        (NGINX.replace("server_tokens off;", "server_tokens off"), 8, "“;”"),  # before a directive
        (NGINX.replace("autoindex off;", "autoindex off"), 29, "“;”"),  # before a }
        (
            NGINX.replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1.2 TLSv1.3"),
            9,
            "“;”",
        ),
        (NGINX.replace("        }\n        location ~", "        location ~"), 6, "never closed"),
        (NGINX + "}\n", 36, "closes no block"),
        (NGINX.replace("server_tokens off;", "server_tokens of;"), 8, "server_tokens"),
        (NGINX.replace('"DENY"', '"DENY'), 25, "opened on line 24"),
        (NGINX.replace("worker_processes auto;", "worker_processes auto;;"), 2, "“;”"),
        (NGINX[: NGINX.rindex("}")], 6, "never closed"),
    ],
)
def test_nginx_unparseable_input_names_the_line(broken, line, words):
    verdict = nginx(broken)
    assert (verdict.correct, verdict.score) == (False, 0.0)
    assert verdict.message.startswith(f"Line {line}: "), verdict.message
    assert words in verdict.message and "Fix it" in verdict.message


def test_nginx_bad_definitions():
    options = {"format": "nginx"}
    REGISTRY["config"].validate(options)
    bad_definition(
        "config", [{"key": "ssl_protocols", "op": "has", "value": ["TLSv1.2"]}], options
    )
    bad_definition("config", [{"key": "ssl_protocols", "op": "lacks", "value": " "}], options)
    bad_definition(
        "config",
        [{"key": "ssl_ciphers", "op": "lacks", "value": "RC4", "match": "regex"}],
        options,
    )
    bad_definition(
        "config", [{"key": "autoindex", "op": "eq", "value": "off", "match": "token"}], options
    )
    bad_definition("config", [{"key": "autoindex", "op": "absent", "default": "off"}], options)
    bad_definition(
        "config", [{"key": "autoindex", "op": "eq", "value": "off", "default": False}], options
    )


def test_has_lacks_and_default_work_for_sshd_too():
    requirements = [
        {"key": "Ciphers", "op": "lacks", "value": "cbc", "match": "substring"},
        {"key": "X11Forwarding", "op": "eq", "value": "no", "default": "no"},
    ]
    assert sshd(
        "Ciphers aes256-gcm@openssh.com,aes128-ctr\n", requirements, {"format": "sshd"}
    ).correct
    assert not sshd("Ciphers aes128-cbc,aes128-ctr\n", requirements, {"format": "sshd"}).correct
    assert not sshd(
        "Ciphers aes128-ctr\nX11Forwarding yes\n", requirements, {"format": "sshd"}
    ).correct


# detection -------------------------------------------------------------------------------

SAMPLE = {
    "lines": [
        "sshd[101]: Failed password for root from 203.0.113.5 port 4242 ssh2",
        "sshd[102]: Failed password for invalid user admin from 203.0.113.5 port 4243 ssh2",
        "sshd[103]: Failed password for oracle from 198.51.100.7 port 5000 ssh2",
        "sshd[104]: Failed password for invalid user test from 192.0.2.9 port 6000 ssh2",
        "sshd[105]: Accepted password for deploy from 203.0.113.5 port 4244 ssh2",
        "sshd[106]: Invalid user admin from 203.0.113.5 port 4243",
        "CRON[107]: pam_unix(cron:session): session opened for user root",
        "sudo: deploy : COMMAND=/usr/sbin/useradd -m svc-backup",
        "sshd[108]: Connection closed by invalid user test 192.0.2.9 port 6000 [preauth]",
        "systemd-logind[1]: New session 5 of user deploy.",
    ],
    "labels": [True, True, True, True, False, False, False, False, False, False],
}


def test_detection_perfect_pattern():
    verdict = run("detection", SAMPLE, r"Failed password")
    assert verdict.correct and verdict.score == 1.0
    assert verdict.message.startswith("Precision 100%, recall 100%.")


def test_detection_precision_recall_maths():
    # Matches 3 of the 4 failures (not the 192.0.2.9 one) plus the Accepted line: P = R = 3/4.
    verdict = run("detection", SAMPLE, r"(Failed|Accepted) password for .* from (203|198)")
    assert not verdict.correct
    assert verdict.score == pytest.approx(0.75)  # F1
    assert verdict.message == (
        "Precision 75%, recall 75%. Harmless lines matched: 1. Malicious lines missed: 1."
    )
    too_broad = run("detection", SAMPLE, r"password")  # P = 4/5, R = 1
    assert not too_broad.correct and too_broad.score == pytest.approx(2 * 0.8 / 1.8)
    assert "Precision 80%, recall 100%" in too_broad.message
    lenient = {"min_precision": 0.8, "min_recall": 0.5}
    assert right("detection", SAMPLE, r"password", lenient)
    nothing = run("detection", SAMPLE, r"no such text")
    assert nothing.score == 0.0 and "Precision 0%, recall 0%" in nothing.message


def test_detection_percentages_round_down():
    two_thirds = {"lines": ["bad", "bad", "bad", "good"], "labels": [True, True, True, False]}
    verdict = run("detection", two_thirds, r"bad|goo", {"min_precision": 0.75})
    assert "Precision 75%" in verdict.message and verdict.correct
    verdict = run("detection", {"lines": ["x", "x", "y"], "labels": [True, False, True]}, "x|y")
    assert "Precision 66.6%" in verdict.message


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(.*a){20}", r"(a|aa)+$"])
def test_detection_catastrophic_patterns_finish_in_time(pattern):
    hostile = {
        "lines": ["a" * 30 + "b"] * 20 + ["Failed password"],
        "labels": [False] * 20 + [True],
    }
    started = time.monotonic()
    verdict = run("detection", hostile, pattern, {"timeout_seconds": 0.3})
    assert time.monotonic() - started < 2
    assert not verdict.correct


def test_detection_timeout_verdict_with_default_budget():
    hostile = {"lines": ["a" * 40 + "!", "Failed password"], "labels": [False, True]}
    started = time.monotonic()
    verdict = run("detection", hostile, r"(a|aa)+$")
    assert time.monotonic() - started < 2
    assert (verdict.correct, verdict.score) == (False, 0.0)
    assert verdict.message.startswith("The pattern took too long")


def test_detection_refuses_bad_and_oversized_patterns():
    assert "not a valid regular expression" in run("detection", SAMPLE, "Failed (password").message
    assert "at most 300 characters" in run("detection", SAMPLE, "a" * 301).message
    assert (
        "at most 10 characters"
        in run("detection", SAMPLE, "Failed password", {"max_length": 10}).message
    )
    started = time.monotonic()
    assert (
        "repeats too much" in run("detection", SAMPLE, "(?:(?:(?:a{999}){999}){999}){999}").message
    )
    assert "repeats too much" in run("detection", SAMPLE, "(?:x{1000}){100}").message
    assert time.monotonic() - started < 1
    assert right(
        "detection",
        SAMPLE,
        r"Failed password for (invalid user )?\w{1,32} from \d{1,3}(\.\d{1,3}){3}",
    )


def test_repeat_cost_estimate():
    assert checkers._repeat_cost(r"\d{1,3}(?:\.\d{1,3}){3}") == 3 + 3 * 3 + 3
    assert checkers._repeat_cost(r"[{}]{2}\{9}x{,5}y{}") == 7
    assert checkers._repeat_cost(r"(?:(?:a{10}){10}){10}") == 1000 + 100 + 10


def test_detection_bad_definitions():
    bad_definition("detection", {"lines": ["a", "b"], "labels": [True]}, {})
    bad_definition("detection", {"lines": ["a"], "labels": [False]}, {})
    bad_definition("detection", {"lines": ["a"], "labels": ["yes"]}, {})
    bad_definition("detection", ["a"], {})
    for options in ({"min_precision": 1.5}, {"timeout_seconds": 0}, {"max_length": 0}):
        with pytest.raises(ValueError):
            REGISTRY["detection"].validate(options)


# composite -------------------------------------------------------------------------------

PARTS = {
    "parts": [
        {"checker": "ip"},
        {"checker": "integer", "options": {"tolerance": 0}, "weight": 2},
        {"checker": "text"},
    ]
}
ANSWERS = ["203.0.113.5", 312, "svc-backup"]


def test_composite():
    assert right("composite", ANSWERS, "203.0.113.5\n312\nsvc-backup\n\n", PARTS)
    partial = run("composite", ANSWERS, "203.0.113.5\n311\nSVC-BACKUP", PARTS)
    assert not partial.correct and partial.score == pytest.approx(2 / 4)
    assert partial.message == "Line 2: That is not the right answer."
    unreadable = run("composite", ANSWERS, "010.0.0.1\n312\nsvc-backup", PARTS)
    assert unreadable.message.startswith("Line 1: Numbers with leading zeros")
    blank_line = run("composite", ANSWERS, "203.0.113.5\n\nsvc-backup", PARTS)
    assert "Line 2: Enter an answer." in blank_line.message
    assert (
        run("composite", ANSWERS, "203.0.113.5\n312", PARTS).message
        == "Write 3 answers, one per line."
    )


def test_composite_bad_definitions():
    bad_definition("composite", ANSWERS[:2], PARTS)
    bad_definition(
        "composite", ["203.0.113.5", "312", "x"], PARTS
    )  # the integer part wants an int
    for options in (
        {"parts": []},
        {"parts": [{"checker": "nope"}]},
        {"parts": [{"checker": "composite", "options": PARTS}]},
        {"parts": [{"checker": "ip", "weight": 0}]},
        {"parts": [{"checker": "ip", "options": {"cidr": "no"}}]},
    ):
        with pytest.raises(ValueError):
            REGISTRY["composite"].validate(options)


# never leak ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected", "submitted", "options"),
    [
        ("text", "svc-backup", "svc-backups", None),
        ("ip", "203.0.113.5", "203.0.113.6", None),
        ("ip", "203.0.113.0/24", "203.0.113.0", {"cidr": True}),
        ("hash", SHA256, SHA256[:40], None),
        ("integer", 312, "311", None),
        ("datetime", LOGIN, "2026-03-14 04:12:03", None),
        ("choice", "brute", "phish", CHOICES),
        ("set", ACCOUNTS, "svc-backup, root", None),
        ("ordering", STEPS, "report, isolate", None),
    ],
)
def test_messages_never_contain_the_expected_answer(kind, expected, submitted, options):
    verdict = run(kind, expected, submitted, options)
    assert not verdict.correct and verdict.message
    secrets = expected if isinstance(expected, list) else [expected]
    for secret in secrets:
        assert str(secret).casefold() not in verdict.message.casefold()
    if kind == "datetime":
        assert "09:12" not in verdict.message


# never raise on learner input -------------------------------------------------------------

HOSTILE = [
    "\x00",
    "🙂",
    "[",
    "((((",
    "::",
    "/",
    "[]/",
    "0/0",
    "1e309",
    "nan",
    "9" * 5000,
    "-",
    "٫",
    "Mar 99 99:99:99",
    "99/99/9999 99:99",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "0x1F",
    "\u202eevil",
    "a\r\nb\rc",
    "::ffff:999.1.1.1",
    "sha256:",
    "=",
    "Match",
    "key=",
    ",,,;;;\n\n",
    "{1000000}",
    "(?:x{,}){}",
    "\\",
    "[^]",
]
DEFINITIONS = [
    ("text", "x", None),
    ("regex", r"CVE-\d+", None),
    ("ip", "192.0.2.1", None),
    ("ip", "192.0.2.0/24", {"cidr": True}),
    ("hash", SHA256, None),
    ("integer", 5, {"tolerance": 2}),
    ("datetime", LOGIN, {"year": 2026}),
    ("choice", "brute", CHOICES),
    ("set", ["192.0.2.1"], {"item": "ip"}),
    ("ordering", STEPS, None),
    ("config", SSHD_REQUIREMENTS, SSHD_OPTIONS),
    ("config", SYSCTL_REQUIREMENTS, {"format": "sysctl"}),
    ("config", NGINX_REQUIREMENTS, NGINX_OPTIONS),
    ("detection", SAMPLE, None),
    ("composite", ANSWERS, PARTS),
]


@pytest.mark.parametrize(("kind", "expected", "options"), DEFINITIONS)
def test_hostile_input_never_raises(kind, expected, options):
    for submitted in HOSTILE:
        verdict = run(kind, expected, submitted, options)
        assert not verdict.correct
