"""Reading and checking the structured parts of an advisory as typed by an author: measures,
indicators (validated by type, shown defanged), CVEs with CVSS vectors (scores computed with
``cvss``, never typed), products and references. Each problem names its line."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from hifazat.advisories.models import TLP_RANK, Indicator

DOMAIN = re.compile(r"^(?=.{1,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$")
HEX = {"md5": 32, "sha1": 40, "sha256": 64}
PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,18}[0-9]$")
APP = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$")
FILENAME = re.compile(r"^[^/\\\x00-\x1f]{1,255}$")
CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
TLP_SUFFIX = re.compile(r"\s+tlp:(CLEAR|GREEN|AMBER\+STRICT|AMBER|RED)$", re.IGNORECASE)


@dataclass
class Parsed:
    items: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def refang(value: str) -> str:
    return (
        value.replace("[.]", ".")
        .replace("(.)", ".")
        .replace("[:]", ":")
        .replace("hxxp", "http")
        .replace("[@]", "@")
    )


def defang(kind: str, value: str) -> str:
    """The form shown on pages and in e-mail: never a live link or address."""
    if kind in ("domain", "url", "email", "ipv4"):
        value = value.replace(".", "[.]")
    if kind == "url":
        value = re.sub(r"^http", "hxxp", value)
    if kind == "email":
        value = value.replace("@", "[@]")
    if kind == "ipv6":
        value = value.replace(":", "[:]")
    return value


def clean_indicator(kind: str, value: str) -> str:
    """The canonical value, or ValueError with what is wrong."""
    value = refang(value.strip())
    if kind == "ipv4":
        try:
            return str(ipaddress.IPv4Address(value))
        except ValueError:
            raise ValueError(_("not an IPv4 address"))
    if kind == "ipv6":
        try:
            return str(ipaddress.IPv6Address(value))
        except ValueError:
            raise ValueError(_("not an IPv6 address"))
    if kind == "domain":
        value = value.lower().rstrip(".")
        if not DOMAIN.match(value):
            raise ValueError(_("not a domain name"))
        return value
    if kind == "url":
        try:
            URLValidator(schemes=["http", "https", "ftp"])(value)
        except Exception:
            raise ValueError(_("not a URL"))
        parts = urlsplit(value)
        return parts._replace(netloc=parts.netloc.lower()).geturl()
    if kind == "email":
        try:
            EmailValidator()(value)
        except Exception:
            raise ValueError(_("not an e-mail address"))
        return value.lower()
    if kind in HEX:
        value = value.lower()
        if not re.fullmatch(rf"[0-9a-f]{{{HEX[kind]}}}", value):
            raise ValueError(
                _("not a %(kind)s hash (%(n)d hex digits)")
                % {"kind": kind.upper(), "n": HEX[kind]}
            )
        return value
    if kind == "phone":
        if not PHONE.match(value):
            raise ValueError(_("not a phone number"))
        return value
    if kind == "app":
        if not APP.match(value):
            raise ValueError(_("not an app package name (like com.example.app)"))
        return value
    if kind == "filename":
        if not FILENAME.match(value):
            raise ValueError(_("not a file name"))
        return value
    raise ValueError(_("unknown indicator type"))


def _tlp_suffix(line: str, advisory_tlp: str) -> tuple[str, str, str | None]:
    """(line without the suffix, label or '', error)."""
    m = TLP_SUFFIX.search(line)
    if not m:
        return line, "", None
    label = m.group(1).upper()
    if TLP_RANK[label] < TLP_RANK[advisory_tlp]:
        return (
            line,
            "",
            _("a part cannot be less restricted than the advisory (%(tlp)s)")
            % {"tlp": advisory_tlp},
        )
    return line[: m.start()], label if label != advisory_tlp else "", None


def parse_measures(text: str) -> Parsed:
    out = Parsed()
    for number, raw in enumerate(_lines(text), start=1):
        line, mandatory, evidence = raw, True, False
        if line.lower().startswith("optional:"):
            line, mandatory = line[len("optional:") :].strip(), False
        if line.lower().endswith("[evidence]"):
            line, evidence = line[: -len("[evidence]")].strip(), True
        if not line:
            out.errors.append(_("Measure %(n)d is empty.") % {"n": number})
            continue
        out.items.append(
            {"number": number, "text": line, "mandatory": mandatory, "evidence_required": evidence}
        )
    return out


def parse_indicators(text: str, advisory_tlp: str) -> Parsed:
    out = Parsed()
    types = set(Indicator.Type.values)
    for number, raw in enumerate(_lines(text), start=1):
        line, label, error = _tlp_suffix(raw, advisory_tlp)
        parts = line.split(None, 2)
        if error or len(parts) < 2 or parts[0].lower() not in types:
            out.errors.append(
                _("Line %(n)d: %(problem)s")
                % {
                    "n": number,
                    "problem": error
                    or _("write the type (%(types)s), then the value")
                    % {"types": ", ".join(sorted(types))},
                }
            )
            continue
        kind = parts[0].lower()
        if kind == "phone":  # a phone number may be written with spaces: +92 300 0000123
            tokens = line.split()[1:]
            taken = 0
            while taken < len(tokens) and re.fullmatch(r"\+?[0-9-]+", tokens[taken]):
                taken += 1
            parts = [parts[0], " ".join(tokens[:taken]) or tokens[0], " ".join(tokens[taken:])]
            parts = parts if parts[2] else parts[:2]
        try:
            value = clean_indicator(kind, parts[1])
        except ValueError as exc:
            out.errors.append(
                _("Line %(n)d: “%(v)s” is %(problem)s.")
                % {"n": number, "v": parts[1], "problem": exc}
            )
            continue
        out.items.append(
            {
                "type": kind,
                "value": value,
                "description": parts[2] if len(parts) > 2 else "",
                "tlp": label,
            }
        )
    return out


def score(vector: str, version: str) -> tuple[Decimal, str]:
    from cvss import CVSS3, CVSS4

    if version == "3.1":
        if not vector.startswith("CVSS:3.1/"):
            raise ValueError("a CVSS v3.1 vector starts with CVSS:3.1/")
        c = CVSS3(vector)
        return Decimal(str(c.base_score)), str(c.severities()[0]).lower()
    if not vector.startswith("CVSS:4.0/"):
        raise ValueError("a CVSS v4.0 vector starts with CVSS:4.0/")
    c = CVSS4(vector)
    return Decimal(str(c.base_score)), str(c.severity).lower()


def parse_vulnerabilities(text: str) -> Parsed:
    out = Parsed()
    for number, raw in enumerate(_lines(text), start=1):
        parts = raw.split()
        if not parts or not CVE.match(parts[0].upper()):
            out.errors.append(
                _("Line %(n)d: start with a CVE id (CVE-2026-12345).") % {"n": number}
            )
            continue
        item = {
            "cve": parts[0].upper(),
            "cvss_v31": "",
            "cvss_v40": "",
            "score_v31": None,
            "score_v40": None,
            "severity": "",
            "kev": False,
        }
        for token in parts[1:]:
            try:
                if token.lower() == "kev":
                    item["kev"] = True
                elif token.startswith("CVSS:3"):
                    item["score_v31"], item["severity"] = score(token, "3.1")
                    item["cvss_v31"] = token
                elif token.startswith("CVSS:4"):
                    item["score_v40"], severity = score(token, "4.0")
                    item["cvss_v40"] = token
                    item["severity"] = item["severity"] or severity
                else:
                    raise ValueError(_("not a CVSS vector or 'kev'"))
            except Exception as exc:  # the cvss package raises its own error types
                out.errors.append(
                    _("Line %(n)d: “%(t)s”: %(problem)s")
                    % {"n": number, "t": token[:60], "problem": exc}
                )
        out.items.append(item)
    return out


def parse_products(text: str) -> Parsed:
    out = Parsed()
    for number, raw in enumerate(_lines(text), start=1):
        parts = [p.strip() for p in raw.split("|")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            out.errors.append(_("Line %(n)d: write vendor | product | versions.") % {"n": number})
            continue
        out.items.append(
            {"vendor": parts[0], "name": parts[1], "versions": parts[2] if len(parts) > 2 else ""}
        )
    return out


def parse_references(text: str) -> Parsed:
    out = Parsed()
    for number, raw in enumerate(_lines(text), start=1):
        url, _sep, summary = raw.partition(" ")
        try:
            URLValidator(schemes=["https", "http"])(url)
        except Exception:
            out.errors.append(
                _("Line %(n)d: “%(u)s” is not a web address.") % {"n": number, "u": url}
            )
            continue
        out.items.append({"url": url, "summary": summary.strip()})
    return out


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
