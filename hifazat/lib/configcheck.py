"""Syntax checkers for the configuration that administrators write: DNS mail-authentication
records (SPF, DMARC, DKIM), sysctl files, audit rules and crontabs.

Each checker takes the text and returns a list of problems, each naming the line (1-based)
and what is wrong; an empty list means the text is valid. They are used to check the
advanced course's snippets and, later, answers submitted in hands-on labs. Checkers that
need a real program (``sshd -t``, ``nft -c``, ``nginx -t``) live with their callers.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


# --- DNS records ---------------------------------------------------------------------------

ZONE_LINE = re.compile(
    r"^(?P<name>\S+)\s+(?:(?P<ttl>\d+)\s+)?(?:IN\s+)?(?P<type>TXT|MX)\s+(?P<data>.+)$",
    re.IGNORECASE,
)
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
DOMAIN = re.compile(
    r"^(?=.{1,253}\.?$)(?:(?!-)[A-Za-z0-9_-]{1,63}(?<!-)\.)*(?!-)[A-Za-z0-9-]{1,63}(?<!-)\.?$"
)
SPF_LOOKUPS = {"include", "a", "mx", "ptr", "exists", "redirect"}


def _domain_spec_ok(value: str) -> bool:
    # A domain-spec may hold macros (%{i}, %{d} …); check the literal parts only.
    literal = re.sub(r"%\{[a-zA-Z][0-9]*r?[-.+,/_=]*\}|%%|%_|%-", "x", value)
    return "%" not in literal and bool(DOMAIN.match(literal))


def check_spf(record: str) -> list[str]:
    """RFC 7208: version, mechanisms and modifiers, addresses, the 10-lookup limit."""
    problems = []
    terms = record.split()
    if not terms or terms[0] != "v=spf1":
        return ["an SPF record starts with exactly 'v=spf1'"]
    lookups, seen_all, modifiers = 0, False, set()
    for term in terms[1:]:
        if seen_all:
            problems.append(f"'{term}' comes after 'all' and is never used")
        m = re.fullmatch(r"([a-zA-Z][a-zA-Z0-9_.-]*)=(.*)", term)
        if m:
            name, value = m.group(1).lower(), m.group(2)
            if name in modifiers and name in ("redirect", "exp"):
                problems.append(f"'{name}=' may appear only once")
            modifiers.add(name)
            if name in ("redirect", "exp") and not _domain_spec_ok(value):
                problems.append(f"'{term}': not a domain")
            if name == "redirect":
                lookups += 1
            continue
        m = re.fullmatch(r"([+\-~?]?)([a-zA-Z0-9]+)(?::(.*?))?(/\d+)?(//\d+)?", term)
        if not m:
            problems.append(f"'{term}' is not an SPF mechanism")
            continue
        mech, arg, cidr4, cidr6 = m.group(2).lower(), m.group(3), m.group(4), m.group(5)
        if mech == "all":
            if arg or cidr4 or cidr6:
                problems.append("'all' takes no argument")
            seen_all = True
        elif mech in ("ip4", "ip6"):
            if not arg:
                problems.append(f"'{term}': {mech} needs an address")
                continue
            network = arg + (cidr4 or "")
            try:
                net = ipaddress.ip_network(network, strict=False)
            except ValueError:
                problems.append(f"'{term}': '{network}' is not an IP{mech[-1]} address or network")
                continue
            if net.version != int(mech[-1]):
                problems.append(f"'{term}': an IPv{net.version} address under {mech}")
        elif mech in ("include", "exists"):
            if not arg or not _domain_spec_ok(arg):
                problems.append(f"'{term}': {mech} needs a domain")
            lookups += 1
        elif mech in ("a", "mx", "ptr"):
            if arg is not None and not _domain_spec_ok(arg):
                problems.append(f"'{term}': '{arg}' is not a domain")
            lookups += 1
        else:
            problems.append(f"'{term}': unknown mechanism '{mech}'")
    if lookups > 10:
        problems.append(f"{lookups} DNS lookups: SPF allows at most 10 (RFC 7208 §4.6.4)")
    if "redirect" in modifiers and seen_all:
        problems.append("'redirect=' is ignored when the record has 'all'")
    return problems


DMARC_TAGS = {"v", "p", "sp", "pct", "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri"}


def _dmarc_uris(value: str) -> bool:
    for uri in value.split(","):
        m = re.fullmatch(r"mailto:([^!@\s]+@[^!@\s]+)(?:![0-9]+[kmgt]?)?", uri.strip())
        if not m or not _domain_spec_ok(m.group(1).split("@", 1)[1]):
            return False
    return True


def check_dmarc(record: str) -> list[str]:
    """RFC 7489 §6.3: v first, p required, every tag known and well-formed."""
    problems = []
    parts = [p.strip() for p in record.strip().rstrip(";").split(";")]
    tags: dict[str, str] = {}
    for i, part in enumerate(parts):
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep:
            problems.append(f"'{part}' is not a tag=value pair")
            continue
        if i == 0 and (name != "v" or value != "DMARC1"):
            problems.append("a DMARC record starts with 'v=DMARC1'")
        if name not in DMARC_TAGS:
            problems.append(f"unknown tag '{name}'")
        if name in tags:
            problems.append(f"tag '{name}' appears twice")
        tags[name] = value
    checks = {
        "p": lambda v: v in ("none", "quarantine", "reject"),
        "sp": lambda v: v in ("none", "quarantine", "reject"),
        "pct": lambda v: v.isdigit() and 0 <= int(v) <= 100,
        "adkim": lambda v: v in ("r", "s"),
        "aspf": lambda v: v in ("r", "s"),
        "fo": lambda v: all(x in ("0", "1", "d", "s") for x in v.split(":")),
        "rf": lambda v: all(x.strip() == "afrf" for x in v.split(":")),
        "ri": lambda v: v.isdigit(),
        "rua": _dmarc_uris,
        "ruf": _dmarc_uris,
    }
    for name, valid in checks.items():
        if name in tags and not valid(tags[name]):
            problems.append(f"'{name}={tags[name]}' is not a valid value")
    if "p" not in tags:
        problems.append("the policy tag 'p' is required")
    return problems


def check_dkim_key(record: str) -> list[str]:
    """RFC 6376 §3.6.1: the public-key record; p= must be a real key of the named type."""
    problems = []
    tags: dict[str, str] = {}
    for i, part in enumerate(p.strip() for p in record.strip().rstrip(";").split(";")):
        name, sep, value = part.partition("=")
        name, value = name.strip(), re.sub(r"\s+", "", value)
        if not sep:
            problems.append(f"'{part}' is not a tag=value pair")
            continue
        if name == "v" and (i != 0 or value != "DKIM1"):
            problems.append("'v=DKIM1', if present, is the first tag")
        if name not in {"v", "h", "k", "n", "p", "s", "t"}:
            problems.append(f"unknown tag '{name}'")
        tags[name] = value
    key_type = tags.get("k", "rsa")
    if key_type not in ("rsa", "ed25519"):
        problems.append(f"'k={key_type}': the key type is rsa or ed25519")
    if "h" in tags and not all(h in ("sha1", "sha256") for h in tags["h"].split(":")):
        problems.append(f"'h={tags['h']}': hash algorithms are sha256 (or sha1)")
    if "t" in tags and not all(t in ("y", "s") for t in tags["t"].split(":")):
        problems.append(f"'t={tags['t']}': flags are y and s")
    if "p" not in tags:
        problems.append("the public key tag 'p' is required (empty means revoked)")
    elif tags["p"]:
        try:
            raw = base64.b64decode(tags["p"], validate=True)
        except ValueError:
            problems.append("'p=' is not base64")
        else:
            problems += _dkim_key_problems(raw, key_type)
    return problems


def _dkim_key_problems(raw: bytes, key_type: str) -> list[str]:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    if key_type == "ed25519":
        return [] if len(raw) == 32 else ["an ed25519 key in 'p=' is 32 bytes"]
    try:
        key = load_der_public_key(raw)
    except ValueError:
        return ["'p=' is not an RSA public key (SubjectPublicKeyInfo, base64)"]
    if not isinstance(key, rsa.RSAPublicKey):
        return ["'p=' holds a key that is not RSA"]
    if key.key_size < 1024:
        return [f"a {key.key_size}-bit RSA key is too short to verify (RFC 8301)"]
    return []


def _without_comment(line: str) -> str:
    """A zone-file line without its ';' comment (a ';' inside quotes is data)."""
    quoted = False
    for i, char in enumerate(line):
        if char == '"' and (i == 0 or line[i - 1] != "\\"):
            quoted = not quoted
        elif char == ";" and not quoted:
            return line[:i]
    return line


def check_dns_records(text: str) -> list[Problem]:
    """Zone-file lines: TXT records for SPF, DMARC and DKIM keys, and MX records."""
    problems: list[Problem] = []
    spf_names: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = _without_comment(line).strip()
        if not stripped:
            continue
        m = ZONE_LINE.match(stripped)
        if not m:
            problems.append(Problem(number, "expected 'name [ttl] IN TXT \"…\"' or an MX record"))
            continue
        name = m.group("name").lower()
        if not DOMAIN.match(name):
            problems.append(Problem(number, f"'{name}' is not a domain name"))
        if m.group("type").upper() == "MX":
            parts = m.group("data").split()
            null_mx = parts == ["0", "."]
            if not null_mx and (
                len(parts) != 2 or not parts[0].isdigit() or not DOMAIN.match(parts[1])
            ):
                problems.append(Problem(number, "an MX record is 'preference host'"))
            continue
        data = m.group("data").strip()
        strings = QUOTED.findall(data)
        if not strings or QUOTED.sub("", data).strip():
            problems.append(Problem(number, "TXT data is one or more quoted strings"))
            continue
        if any(len(s) > 255 for s in strings):
            problems.append(Problem(number, "a TXT string is at most 255 characters: split it"))
        value = "".join(strings).replace('\\"', '"')
        if value.startswith("v=spf1"):
            if name in spf_names:
                problems.append(
                    Problem(
                        number,
                        f"a second SPF record for {name} (line {spf_names[name]}) makes both fail",
                    )
                )
            spf_names[name] = number
            found = check_spf(value)
        elif name.startswith("_dmarc."):
            found = check_dmarc(value)
        elif "._domainkey." in name:
            found = check_dkim_key(value)
        else:
            found = ["not an SPF, DMARC or DKIM record (or the DMARC/DKIM name is wrong)"]
        problems += [Problem(number, message) for message in found]
    return problems


# --- sysctl ----------------------------------------------------------------------------------


def check_sysctl(text: str, proc_sys: Path = Path("/proc/sys")) -> list[Problem]:
    """``key = value`` lines as in /etc/sysctl.d: each key must exist in this kernel's tree."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        key, sep, value = stripped.partition("=")
        key, value = key.strip().lstrip("-"), value.strip()
        if not sep or not key or not value:
            problems.append(Problem(number, "expected 'key = value'"))
            continue
        if not re.fullmatch(r"[a-z0-9_]+(?:[./][a-zA-Z0-9_*-]+)+", key):
            problems.append(Problem(number, f"'{key}' is not a sysctl key"))
            continue
        path = proc_sys / key.replace(".", "/")
        if "*" not in key and not path.exists():
            problems.append(Problem(number, f"no such sysctl key '{key}'"))
        if not re.fullmatch(r"[-\w ./:,]+", value):
            problems.append(Problem(number, f"'{value}' is not a sysctl value"))
    return problems


# --- audit rules -----------------------------------------------------------------------------

AUDIT_FIELDS = {
    "a0", "a1", "a2", "a3", "arch", "auid", "devmajor", "devminor", "dir", "egid", "euid",
    "exe", "exit", "fsgid", "fstype", "fsuid", "filetype", "gid", "inode", "key", "msgtype",
    "obj_gid", "obj_lev_high", "obj_lev_low", "obj_role", "obj_type", "obj_uid", "obj_user",
    "path", "perm", "pers", "pid", "ppid", "saddr_fam", "sessionid", "sgid", "subj_clr",
    "subj_role", "subj_sen", "subj_type", "subj_user", "success", "suid", "uid",
}  # fmt: skip
AUDIT_LISTS = {"task", "exit", "user", "exclude", "filesystem", "io_uring"}
UNISTD = {
    "b64": Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
    "b32": Path("/usr/include/x86_64-linux-gnu/asm/unistd_32.h"),
}


def _syscalls() -> dict[str, set[str]] | None:
    """System call names per architecture, from the kernel headers (None if not installed)."""
    if not all(path.exists() for path in UNISTD.values()):
        return None
    return {
        arch: set(re.findall(r"#define __NR_(\w+)\s+\d+", path.read_text()))
        for arch, path in UNISTD.items()
    }


def check_audit_rules(text: str) -> list[Problem]:
    """Rules as ``auditctl`` reads them from /etc/audit/rules.d (control, file and syscall rules)."""
    problems = []
    syscalls = _syscalls()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            tokens = shlex.split(stripped)
        except ValueError as exc:
            problems.append(Problem(number, str(exc)))
            continue
        problems += [Problem(number, m) for m in _audit_rule_problems(tokens, syscalls)]
    return problems


def _audit_rule_problems(tokens: list[str], syscalls: dict[str, set[str]] | None) -> list[str]:
    head, args = tokens[0], tokens[1:]
    numeric = {"-b", "-f", "-e", "-r", "--backlog_wait_time"}
    allowed = {"-f": {"0", "1", "2"}, "-e": {"0", "1", "2"}}
    if head in ("-D", "-l", "-s", "-i", "-c", "--loginuid-immutable"):
        return (
            [] if not args or head == "-D" and args[:1] == ["-k"] else [f"{head} takes no value"]
        )
    if head in numeric:
        if len(args) != 1 or not args[0].isdigit():
            return [f"{head} takes one number"]
        if head in allowed and args[0] not in allowed[head]:
            return [f"{head} is 0, 1 or 2"]
        return []
    if head in ("-w", "-W"):
        return _audit_watch_problems(args)
    if head in ("-a", "-A", "-d"):
        return _audit_syscall_problems(args, syscalls)
    return [f"'{head}' is not an audit rule option"]


def _audit_watch_problems(args: list[str]) -> list[str]:
    problems = []
    if not args or not args[0].startswith("/"):
        return ["a watch (-w) needs an absolute path"]
    rest = args[1:]
    while rest:
        option = rest.pop(0)
        if option not in ("-p", "-k") or not rest:
            return [f"after -w PATH expected '-p PERMS' or '-k KEY', not '{option}'"]
        value = rest.pop(0)
        if option == "-p" and not re.fullmatch(r"[rwxa]{1,4}", value):
            problems.append(f"-p takes permissions from r, w, x, a, not '{value}'")
        if option == "-k" and not re.fullmatch(r"[\w.:-]{1,31}", value):
            problems.append(f"'{value}' is not a usable key (letters, digits, -_.:, up to 31)")
    return problems


def _audit_syscall_problems(args: list[str], syscalls: dict[str, set[str]] | None) -> list[str]:
    problems = []
    if not args:
        return ["-a needs action,list (for example always,exit)"]
    parts = set(args[0].split(","))
    if len(parts) != 2 or not parts & {"always", "never"} or not parts & AUDIT_LISTS:
        problems.append(f"'{args[0]}' is not action,list (always|never with exit, user, task …)")
    rest, has_arch, arch, names = args[1:], False, "b64", []
    while rest:
        option = rest.pop(0)
        if option in ("-C",) and rest:
            rest.pop(0)
            continue
        if option not in ("-F", "-S", "-k") or not rest:
            problems.append(f"expected -F, -S or -k, not '{option}'")
            break
        value = rest.pop(0)
        if option == "-S":
            names += [n for n in value.split(",") if n != "all" and not n.isdigit()]
        elif option == "-F":
            m = re.fullmatch(r"(\w+)(=|!=|<=|>=|<|>|&=|&)(.+)", value)
            if not m or m.group(1) not in AUDIT_FIELDS:
                problems.append(f"'-F {value}' is not a field comparison")
                continue
            field, field_value = m.group(1), m.group(3)
            if field == "arch":
                has_arch, arch = True, field_value
                if field_value not in ("b64", "b32"):
                    problems.append(f"arch is b64 or b32, not '{field_value}'")
            if field == "perm" and not re.fullmatch(r"[rwxa]{1,4}", field_value):
                problems.append(f"perm takes r, w, x, a, not '{field_value}'")
            if field in ("auid", "uid", "euid", "gid") and not re.fullmatch(
                r"\d+|unset|-1|4294967295", field_value
            ):
                problems.append(f"{field} takes a number (or unset), not '{field_value}'")
        elif option == "-k" and not re.fullmatch(r"[\w.:-]{1,31}", value):
            problems.append(f"'{value}' is not a usable key")
    if syscalls is not None:
        table = syscalls.get(arch, syscalls["b64"])
        word = "32-bit" if arch == "b32" else "x86_64"
        problems += [f"'{n}' is not a system call on {word}" for n in names if n not in table]
    if "-S" in args and not has_arch:
        problems.append("a syscall rule names the architecture (-F arch=b64) before -S")
    return problems


# --- crontab ---------------------------------------------------------------------------------

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
CRON_FIELDS = [
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate(MONTHS)}),
    ("day of week", 0, 7, {d: i for i, d in enumerate(DAYS)}),
]
CRON_SPECIAL = {
    "@reboot",
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
}


def _cron_field_ok(value: str, low: int, high: int, names: dict[str, int]) -> bool:
    for item in value.lower().split(","):
        base, _, step = item.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return False
        if base == "*":
            continue
        start, _, end = base.partition("-")
        for bound in (start, end) if end else (start,):
            number = names.get(bound, int(bound) if bound.isdigit() else None)
            if number is None or not low <= number <= high:
                return False
    return True


def check_crontab(text: str) -> list[Problem]:
    """User crontab lines (or /etc/cron.d lines with a user): times, command, escaped %."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\s*=.*", stripped):
            continue  # an environment setting such as MAILTO= or PATH=
        fields = stripped.split(None, 5)
        if fields[0].startswith("@"):
            if fields[0] not in CRON_SPECIAL:
                problems.append(Problem(number, f"'{fields[0]}' is not a cron schedule"))
            command = stripped.split(None, 1)[1] if len(fields) > 1 else ""
        else:
            if len(fields) < 6:
                problems.append(Problem(number, "five time fields, then the command"))
                continue
            for value, (name, low, high, names) in zip(fields[:5], CRON_FIELDS, strict=True):
                if not _cron_field_ok(value, low, high, names):
                    problems.append(Problem(number, f"'{value}' is not a valid {name}"))
            command = fields[5]
        if not command.strip():
            problems.append(Problem(number, "no command"))
        if re.search(r"(?<!\\)%", command):
            problems.append(
                Problem(number, "an unescaped % in a crontab command ends the line: write \\%")
            )
    return problems
