"""The configuration hardening lab: its definition, and for 50 seeds that the planted weaknesses
are re-derived here from the three files with parsing of our own (first value wins in sshd,
last in sysctl, the innermost block in nginx), that the checkers accept a correctly fixed file
and refuse one that keeps any single weakness, that unreadable files are refused naming the
line, that the next seed's findings are refused, and that cases are deterministic."""

from __future__ import annotations

import re
import time

import pytest

from hifazat.labs import checkers, registry
from hifazat.labs.catalogue.hardening_review import generator
from hifazat.labs.catalogue.hardening_review.generator import generate
from hifazat.labs.tests import labkit
from hifazat.labs.tests.labkit import texts

SEEDS = range(50)
QUESTIONS = (
    "sshd-findings",
    "sysctl-findings",
    "nginx-findings",
    "sshd-fix",
    "sysctl-fix",
    "nginx-fix",
)
FINDINGS = {
    "sshd-findings": "sshd_config",
    "sysctl-findings": "sysctl.conf",
    "nginx-findings": "nginx.conf",
}
FIXES = {"sshd-fix": "sshd_config", "sysctl-fix": "sysctl.conf", "nginx-fix": "nginx.conf"}

# The baseline, written out again here (README.txt sections A-C) rather than imported.
SSHD_GOOD = {
    "permitrootlogin": lambda v: v == "no",
    "passwordauthentication": lambda v: v == "no",
    "permitemptypasswords": lambda v: v == "no",
    "maxauthtries": lambda v: v.isdigit() and int(v) <= 4,
    "logingracetime": lambda v: seconds(v) <= 60,
    "x11forwarding": lambda v: v == "no",
    "permituserenvironment": lambda v: v == "no",
}
SSHD_NAMES = {k.casefold(): k for k in generator.SSHD_CONTROLS}
SYSCTL_GOOD = {
    "net.ipv4.ip_forward": "0",
    "net.ipv4.conf.all.accept_redirects": "0",
    "net.ipv4.conf.all.send_redirects": "0",
    "net.ipv4.conf.all.accept_source_route": "0",
    "net.ipv4.conf.all.rp_filter": "1",
    "net.ipv4.conf.all.log_martians": "1",
    "net.ipv4.tcp_syncookies": "1",
    "kernel.randomize_va_space": "2",
}
OLD_PROTOCOLS = {"sslv2", "sslv3", "tlsv1", "tlsv1.1"}
WEAK_CIPHER_PARTS = ("RC4", "DES", "NULL", "EXP", "MD5")
NGINX_KEYS = (
    "ssl_protocols",
    "ssl_ciphers",
    "ssl_session_tickets",
    "server_tokens",
    "add_header",
    "autoindex",
)
MODERN_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305"
)


definition, question, case, check = labkit.bind("hardening_review", generate)


def seconds(value: str) -> int:
    units = {"": 1, "s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh]?)", value))


# --- our own readings of the three files -----------------------------------------------------


def sshd_effective(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, value = line.split(None, 1)
        if key.casefold() == "match":
            break
        values.setdefault(key.casefold(), value)
    return values


def sshd_failing(text: str) -> list[str]:
    values = sshd_effective(text)
    return [
        SSHD_NAMES[key]
        for key, good in SSHD_GOOD.items()
        if key not in values or not good(values[key])
    ]


def sysctl_effective(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith(("#", ";")):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def sysctl_failing(text: str) -> list[str]:
    values = sysctl_effective(text)
    return [key for key, good in SYSCTL_GOOD.items() if values.get(key) != good]


def nginx_directives(text: str) -> list[tuple[tuple[int, ...], str, list[str]]]:
    """(path of block numbers, name, args) for each active directive; one per line here."""
    path: list[int] = []
    blocks, found = 0, []
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*", "", raw).strip()
        if not line:
            continue
        if line.endswith("{"):
            blocks += 1
            found.append((tuple(path), line.split()[0], ["{"]))
            path.append(blocks)
        elif line == "}":
            path.pop()
        else:
            assert line.endswith(";"), raw
            words = line[:-1].split()
            found.append((tuple(path), words[0], words[1:]))
    assert not path
    return found


def nginx_tls_view(
    text: str,
) -> tuple[dict[str, list[list[str]]], list[dict[str, list[list[str]]]]]:
    """The HTTPS server's effective directives, and each block inside it's own directives."""
    found = nginx_directives(text)
    by_block: dict[tuple[int, ...], dict[str, list[list[str]]]] = {}
    for where, name, args in found:
        by_block.setdefault(where, {}).setdefault(name, []).append(args)
    servers = [
        where
        for where, block in by_block.items()
        if any("ssl" in args for args in block.get("listen", []))
    ]
    assert len(servers) == 1
    server = servers[0]
    levels = [server[:n] for n in range(len(server), -1, -1)]  # server, http, main
    names = {name for _w, name, _a in found}
    effective = {}
    for name in names:
        for level in levels:
            if name in by_block.get(level, {}):
                effective[name] = by_block[level][name]
                break
    inner = [
        block
        for where, block in by_block.items()
        if len(where) > len(server) and where[: len(server)] == server
    ]
    return effective, inner


def nginx_failing(text: str) -> list[str]:
    effective, inner = nginx_tls_view(text)
    views = [effective, *inner]

    def one(name: str) -> str | None:
        values = effective.get(name)
        return " ".join(values[-1]) if values else None

    protocols = set((one("ssl_protocols") or "").casefold().split())
    ciphers = [c for c in (one("ssl_ciphers") or "").split(":") if c and not c.startswith("!")]
    headers = [args[0].casefold() for args in effective.get("add_header", [])]
    failing = {
        "ssl_protocols": bool(protocols & OLD_PROTOCOLS) or "tlsv1.2" not in protocols,
        "ssl_ciphers": not ciphers or any(p in c for c in ciphers for p in WEAK_CIPHER_PARTS),
        "ssl_session_tickets": one("ssl_session_tickets") != "off",
        "server_tokens": one("server_tokens") != "off",
        "add_header": "strict-transport-security" not in headers
        or any("add_header" in v and v is not effective for v in inner),
        "autoindex": any(["on"] in v.get("autoindex", []) for v in views),
    }
    return [key for key in NGINX_KEYS if failing[key]]


FAILING = {"sshd_config": sshd_failing, "sysctl.conf": sysctl_failing, "nginx.conf": nginx_failing}


# --- what a careful learner does to each file -------------------------------------------------


def fix_sshd(text: str, key: str) -> str:
    good = {"MaxAuthTries": "3", "LoginGraceTime": "30"}.get(key, "no")
    return re.sub(rf"(?m)^{key}[ \t]+\S+$", f"{key} {good}", text)


def fix_sysctl(text: str, key: str) -> str:
    return re.sub(rf"(?m)^{re.escape(key)}\s*=.*$", f"{key} = {SYSCTL_GOOD[key]}", text)


def add_to_tls_server(text: str, line: str) -> str:
    anchor = re.search(r"(?m)^\t\tssl_certificate_key .*\n", text)
    return text[: anchor.end()] + f"\t\t{line}\n" + text[anchor.end() :]


def fix_nginx(text: str, key: str) -> str:
    if key == "ssl_protocols":
        return re.sub(
            r"(?m)^(\t+)ssl_protocols [^;]*;.*$", r"\1ssl_protocols TLSv1.2 TLSv1.3;", text
        )
    if key == "ssl_ciphers":
        return re.sub(r"(?m)^(\t+)ssl_ciphers .*$", rf"\1ssl_ciphers {MODERN_CIPHERS};", text)
    if key == "ssl_session_tickets":
        text = text.replace("ssl_session_tickets on;", "ssl_session_tickets off;")
        if "ssl_session_tickets off;" not in text:
            text = add_to_tls_server(text, "ssl_session_tickets off;")
        return text
    if key == "server_tokens":
        return re.sub(r"(?m)^\t(# )?server_tokens \w+;", "\tserver_tokens off;", text)
    if key == "add_header":
        if not re.search(r"(?m)^\t+add_header Strict-Transport-Security", text):
            text = re.sub(r"(?m)^\t+# add_header Strict-Transport-Security.*\n", "", text)
            text = add_to_tls_server(
                text, 'add_header Strict-Transport-Security "max-age=31536000" always;'
            )
        return text
    assert key == "autoindex"
    return text.replace("autoindex on;", "autoindex off;")


FIX = {"sshd_config": fix_sshd, "sysctl.conf": fix_sysctl, "nginx.conf": fix_nginx}
KEYS = {
    "sshd_config": tuple(generator.SSHD_CONTROLS),
    "sysctl.conf": tuple(SYSCTL_GOOD),
    "nginx.conf": NGINX_KEYS,
}


def fixed(seed: int, name: str, keep_weak: str | None = None) -> str:
    """The file with every control fixed (but ``keep_weak``)."""
    text = case(seed).files[name]
    for key in KEYS[name]:
        if key != keep_weak:
            text = FIX[name](text, key)
    return text


def not_right(message: str) -> set[str]:
    listed = re.match(r"Not right yet: (.*)\.$", message)
    return set(listed[1].split(", ")) if listed else set()


# --- the definition ---------------------------------------------------------------------------


def test_the_package_loads_and_matches_the_brief():
    registry.read("hardening_review")  # the loader's own checks, including generate(0)
    d = definition()
    assert d["slug"] == "hardening-review" and d["version"] == 1
    assert [e["name"] for e in d["evidence"]] == [
        "sshd_config",
        "sysctl.conf",
        "nginx.conf",
        "README.txt",
    ]
    assert list(case(0).files) == [e["name"] for e in d["evidence"]]
    assert tuple(q["id"] for q in d["questions"]) == QUESTIONS
    assert [q["checker"] for q in d["questions"]] == ["set"] * 3 + ["config"] * 3
    assert question("sshd-fix")["options"] == {"format": "sshd", "keep": generator.SSHD_KEEP}
    assert question("sysctl-fix")["options"] == {"format": "sysctl", "keep": generator.SYSCTL_KEEP}
    assert question("nginx-fix")["options"] == {"format": "nginx", "keep": generator.NGINX_KEEP}
    for q in d["questions"]:
        checkers.get(q["checker"]).validate(q["options"])
        assert q["input"] == ("text" if q["checker"] == "config" else "line")
        assert 1 <= len(q["hints"]) <= 2 and all(1 <= h["cost"] <= 5 for h in q["hints"])
        for part in (q["prompt"], q["explanation"], *(h["text"] for h in q["hints"])):
            assert part["en"].strip() and part["ur"].strip()
            assert re.search(r"[\u0600-\u06ff]", part["ur"]), part["ur"]


def test_no_text_gives_away_a_case():
    """The page shows the scenario, prompts and hints: no address, host or domain of a case."""
    words = "\n".join(texts(definition()))
    assert not re.search(r"\b(?:192\.0\.2|198\.51\.100|203\.0\.113|10\.\d+\.\d+)\.\d", words)
    assert ".example" not in words
    for _ministry, abbr in generator.MINISTRIES:
        assert not re.search(rf"\b{abbr.lower()}\b", words)
    for seed in range(5):
        assert case(seed).notes["host"] not in words
        assert case(seed).notes["server_name"] not in words


def test_the_readme_states_the_baseline():
    readme = case(0).files["README.txt"]
    for key in (*generator.SSHD_CONTROLS, *SYSCTL_GOOD, *NGINX_KEYS[:4], "autoindex"):
        assert key in readme, key
    assert "Strict-Transport-Security" in readme and "NTISB" in readme


# --- every seed -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_the_planted_weaknesses_are_in_the_files(seed):
    c = case(seed)
    assert set(c.answers) == set(QUESTIONS)
    for qid in QUESTIONS:
        checkers.get(question(qid)["checker"]).validate_expected(
            c.answers[qid], question(qid)["options"]
        )
    for qid, name in FINDINGS.items():
        planted = c.answers[qid]
        assert planted == FAILING[name](c.files[name]), (name, c.notes["how"][name])
        assert len(planted) >= 2 and len(planted) % 2 != seed % 2
        assert planted == c.notes["planted"][name]
    readme = c.files["README.txt"]
    assert c.notes["host"] in readme and c.notes["server_name"] in readme
    assert f"Port {c.notes['ssh_port']}" in readme
    assert f"\nPort {c.notes['ssh_port']}\n" in c.files["sshd_config"]
    assert f"server_name {c.notes['server_name']};" in c.files["nginx.conf"]


@pytest.mark.parametrize("seed", SEEDS)
def test_findings_are_accepted_as_typed_and_the_next_seeds_refused(seed):
    c, other = case(seed), case(seed + 1)
    for qid in FINDINGS:
        keys = c.answers[qid]
        assert check(qid, keys, ", ".join(keys)).correct
        assert check(qid, keys, "\n".join(k.lower() for k in reversed(keys))).correct
        assert not check(qid, keys, ", ".join(other.answers[qid])).correct
        assert not check(qid, keys, ", ".join(keys[:-1])).correct
        assert not check(qid, keys, ", ".join(KEYS[FINDINGS[qid]])).correct  # everything


@pytest.mark.parametrize("seed", SEEDS)
def test_a_fixed_file_is_accepted_and_any_single_weakness_refused(seed):
    c = case(seed)
    for qid, name in FIXES.items():
        expected, planted = c.answers[qid], c.notes["planted"][name]
        good = fixed(seed, name)
        assert FAILING[name](good) == []
        verdict = check(qid, expected, good)
        assert verdict.correct, (name, verdict.message)
        original = check(qid, expected, c.files[name])
        assert not original.correct and not_right(original.message) == set(planted), original
        for key in planted:
            still_weak = fixed(seed, name, keep_weak=key)
            assert FAILING[name](still_weak) == [key]
            verdict = check(qid, expected, still_weak)
            assert not verdict.correct and not_right(verdict.message) == {key}, (key, verdict)


@pytest.mark.parametrize("seed", range(0, 50, 5))
def test_unreadable_or_stripped_files_are_refused(seed):
    c = case(seed)
    # sshd / sysctl: a line that is not a setting
    sshd = fixed(seed, "sshd_config")
    port_line = sshd.splitlines().index(f"Port {c.notes['ssh_port']}") + 1
    verdict = check(
        "sshd-fix",
        c.answers["sshd-fix"],
        sshd.replace(f"\nPort {c.notes['ssh_port']}\n", "\nPort\n"),
    )
    assert not verdict.correct and verdict.message.startswith(f"Line {port_line} cannot be read")
    sysctl = fixed(seed, "sysctl.conf")
    swap = re.search(r"(?m)^vm\.swappiness = \d+$", sysctl)
    verdict = check(
        "sysctl-fix", c.answers["sysctl-fix"], sysctl.replace(swap[0], swap[0].replace(" = ", " "))
    )
    assert verdict.message.startswith(
        f"Line {sysctl[: swap.start()].count(chr(10)) + 1} cannot be read"
    )
    # nginx: a missing ";", a missing "}", one "}" too many
    nginx = fixed(seed, "nginx.conf")
    lines = nginx.splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ssl_ciphers"))
    no_semicolon = "\n".join(lines[:at] + [lines[at].rstrip(";")] + lines[at + 1 :]) + "\n"
    verdict = check("nginx-fix", c.answers["nginx-fix"], no_semicolon)
    assert (verdict.correct, verdict.score) == (False, 0.0)
    assert verdict.message.startswith(f"Line {at + 1}: ") and "“;”" in verdict.message, verdict
    http = lines.index("http {") + 1
    verdict = check("nginx-fix", c.answers["nginx-fix"], nginx[: nginx.rindex("}")])
    assert verdict.message.startswith(f"Line {http}: ") and "never closed" in verdict.message
    verdict = check("nginx-fix", c.answers["nginx-fix"], nginx + "}\n")
    assert (
        verdict.message.startswith(f"Line {len(lines) + 1}: ")
        and "closes no block" in verdict.message
    )
    # keep: deleting what the baseline does not cover is refused
    no_root = re.sub(r"(?m)^\t\troot .*\n", "", nginx)
    assert check("nginx-fix", c.answers["nginx-fix"], no_root).message == (
        "These settings must stay in the file: root."
    )
    no_port = sshd.replace(f"\nPort {c.notes['ssh_port']}\n", "\n")
    assert not check("sshd-fix", c.answers["sshd-fix"], no_port).correct
    # the HTTPS site must stay HTTPS
    plain = nginx.replace("listen 443 ssl http2;", "listen 443;").replace(
        "listen [::]:443 ssl http2;", ""
    )
    assert not check("nginx-fix", c.answers["nginx-fix"], plain).correct


@pytest.mark.parametrize("seed", SEEDS)
def test_the_traps_are_real(seed):
    """Shadowed sshd fixes and late sysctl overrides are findings; their mirror images are not."""
    c = case(seed)
    sshd = c.files["sshd_config"]
    for key in c.notes["how"]["sshd_config"]["shadowed"]:
        lines = [line for line in sshd.splitlines() if line.startswith(f"{key} ")]
        assert len(lines) == 2 and not SSHD_GOOD[key.casefold()](lines[0].split()[1])
        assert SSHD_GOOD[key.casefold()](lines[1].split()[1])
    for key, how in c.notes["how"]["sysctl.conf"].items():
        assert (key in c.notes["planted"]["sysctl.conf"]) == (
            how in ("baseline-weak", "overridden-later", "legacy-only")
        )


def test_the_variations_all_occur():
    hows = {name: set() for name in FINDINGS.values()}
    for seed in SEEDS:
        for name, how in case(seed).notes["how"].items():
            if name == "sshd_config":
                hows[name].add(bool(how["shadowed"]))
                hows[name].add("in_block" if how["in_block"] else "")
            else:
                hows[name].update(how.values())
    assert {True, False, "in_block"} <= hows["sshd_config"]
    assert {"baseline-weak", "overridden-later", "legacy-only", "decoy-legacy-weak"} <= hows[
        "sysctl.conf"
    ]
    assert {
        "http-default",
        "http-weak",
        "server-weak",
        "decoy-http-default",
        "commented",
        "missing",
        "on",
    } <= hows["nginx.conf"]
    counts = {len(case(seed).answers[q]) for seed in SEEDS for q in FINDINGS}
    assert {2, 3, 4, 5} <= counts


def test_cases_are_deterministic():
    for seed in (0, 17, 2**55 + 3):
        first, again = generate(seed), generate(seed)
        assert first.files == again.files
        assert first.answers == again.answers and first.notes == again.notes
    assert generate(1).files["nginx.conf"] != generate(2).files["nginx.conf"]
    # Speed is not asserted beyond a sanity bound (timed tests fail on busy machines).
    started = time.perf_counter()
    generate(100)
    assert time.perf_counter() - started < 2.0
