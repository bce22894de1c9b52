"""Answer checkers for the hands-on labs: one small plugin per kind of answer.

Every lab question names a checker (``text``, ``ip``, ``datetime``, ``config``, …) and gives it
the expected answer and static options. A checker is a subclass of :class:`Checker` with a
``name``; defining the class registers one instance in :data:`REGISTRY`, so adding a kind of
answer means adding one class here and nothing else.

A checker answers three questions:

* :meth:`Checker.validate` – are these options usable? (raises ``ValueError``)
* :meth:`Checker.validate_expected` – can this expected answer be used? (raises ``ValueError``)
* :meth:`Checker.check` – how good is this submission? (returns a :class:`Verdict`)

Only bad lab definitions raise. Learner input never does: whatever the learner types (up to
:data:`MAX_SUBMISSION` characters) becomes a :class:`Verdict` whose message is translated, safe to
show and never contains the expected answer. Subclasses implement ``check_options``,
``check_expected`` and ``judge``; the base class turns them into the public methods above.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import regex
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_SUBMISSION = 20_000  # characters; longer submissions are refused without being read
REGEX_TIMEOUT = 0.5  # seconds for a lab author's pattern against one submission (``regex``)
MAX_REPEAT_COST = 10_000  # detection patterns: bound on the characters counted repeats expand to

Options = dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    correct: bool  # fully right
    score: float  # 0.0–1.0 (partial credit for multi-part answers; 1.0 iff correct)
    message: str = ""  # feedback safe to show the learner; NEVER reveals the expected answer


class Unreadable(Exception):
    """A learner's answer cannot be read; ``message`` (translated) says why and is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


REGISTRY: dict[str, Checker] = {}


def get(name: str) -> Checker:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown checker {name!r}; known checkers: {', '.join(sorted(REGISTRY))}")


def check(kind: str, expected: Any, submitted: str, options: Options | None = None) -> Verdict:
    """Check one submission; raises only (ValueError/KeyError) for a bad question definition."""
    checker = get(kind)
    options = {} if options is None else options
    checker.validate_expected(expected, options)
    return checker.check(expected, submitted, options)


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise ValueError(problem)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _not_right() -> str:
    return _("That is not the right answer.")


class Checker:
    """Base class: subclasses set ``name``, ``defaults``/``required`` and the three hooks."""

    name: ClassVar[str]
    defaults: ClassVar[Options] = {}  # optional options and their default values
    required: ClassVar[frozenset[str]] = frozenset()  # options without a default

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:  # abstract intermediate classes have no name of their own
            if cls.name in REGISTRY:
                raise RuntimeError(f"two checkers are named {cls.name!r}")
            REGISTRY[cls.name] = cls()

    # Public interface -------------------------------------------------------------------------

    def validate(self, options: Options) -> None:
        self.options(options)

    def validate_expected(self, expected: Any, options: Options) -> None:
        parsed = self.options(options)
        try:
            self.check_expected(expected, parsed)
        except ValueError as exc:
            raise ValueError(f"{self.name} checker, expected answer: {exc}")

    def check(self, expected: Any, submitted: str, options: Options) -> Verdict:
        parsed = self.options(options)
        if not isinstance(submitted, str):
            return Verdict(False, 0.0, _("The answer must be text."))
        if len(submitted) > MAX_SUBMISSION:
            return Verdict(
                False,
                0.0,
                _("The answer is too long: at most %(limit)d characters are accepted.")
                % {"limit": MAX_SUBMISSION},
            )
        if not submitted.strip():
            return Verdict(False, 0.0, _("Enter an answer."))
        return self.judge(expected, submitted, parsed)

    def options(self, options: Options) -> Options:
        """The options with defaults filled in; ValueError names the first problem."""
        try:
            _require(isinstance(options, dict), "options must be a mapping")
            unknown = set(options) - set(self.defaults) - self.required
            _require(not unknown, f"unknown option(s) {sorted(unknown)}")
            missing = self.required - set(options)
            _require(not missing, f"missing option(s) {sorted(missing)}")
            merged = {**self.defaults, **options}
            self.check_options(merged)
        except ValueError as exc:
            raise ValueError(f"{self.name} checker, options: {exc}")
        return merged

    # Hooks for subclasses ---------------------------------------------------------------------

    def check_options(self, options: Options) -> None:
        """Raise ValueError for a bad option value (``options`` has the defaults filled in)."""

    def check_expected(self, expected: Any, options: Options) -> None:
        raise NotImplementedError

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        """Grade a non-blank submission of acceptable length."""
        raise NotImplementedError


class ItemChecker(Checker):
    """A checker whose answer is one item with a canonical form; also usable in lists (``set``).

    ``expected`` is one string or a list of accepted strings.
    """

    def canonical(self, text: str, options: Options) -> Any:
        """A hashable canonical form of ``text``; raises :class:`Unreadable`."""
        raise NotImplementedError

    def canonical_expected(self, text: Any, options: Options) -> Any:
        _require(isinstance(text, str), f"{text!r} is not a string")
        try:
            value = self.canonical(text, options)
        except Unreadable as exc:
            raise ValueError(f"{text!r}: {exc.message}")
        _require(value != "", f"{text!r} is empty")
        return value

    def check_expected(self, expected: Any, options: Options) -> None:
        _require(
            isinstance(expected, str) or _is_str_list(expected),
            "must be a string or a non-empty list of strings",
        )
        for text in [expected] if isinstance(expected, str) else expected:
            self.canonical_expected(text, options)

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        try:
            value = self.canonical(submitted, options)
        except Unreadable as exc:
            return Verdict(False, 0.0, exc.message)
        accepted = [expected] if isinstance(expected, str) else expected
        if value in {self.canonical(text, options) for text in accepted}:
            return Verdict(True, 1.0)
        return Verdict(False, 0.0, self.wrong(submitted, options))

    def wrong(self, submitted: str, options: Options) -> str:
        return _not_right()


class TextChecker(ItemChecker):
    """Free text. Modes: exact; trimmed; casefold (trimmed, NFC, case-folded); normalised
    (the default: casefold and runs of whitespace collapsed to one space)."""

    name = "text"
    defaults = {"mode": "normalised"}
    MODES = ("exact", "trimmed", "casefold", "normalised")

    def check_options(self, options: Options) -> None:
        _require(options["mode"] in self.MODES, f"mode must be one of {self.MODES}")

    def canonical(self, text: str, options: Options) -> str:
        mode = options["mode"]
        if mode == "exact":
            return text
        text = text.strip()
        if mode == "trimmed":
            return text
        text = unicodedata.normalize("NFC", text).casefold()
        return text if mode == "casefold" else " ".join(text.split())


class RegexChecker(Checker):
    """The trimmed submission must full-match the lab author's pattern (``regex`` module, V0)."""

    name = "regex"
    defaults = {"ignore_case": False}

    def check_options(self, options: Options) -> None:
        _require(isinstance(options["ignore_case"], bool), "ignore_case must be true or false")

    def compiled(self, pattern: str, options: Options) -> regex.Pattern:
        flags = regex.VERSION0 | (regex.IGNORECASE if options["ignore_case"] else 0)
        return regex.compile(pattern, flags)

    def check_expected(self, expected: Any, options: Options) -> None:
        _require(isinstance(expected, str) and expected != "", "must be a non-empty pattern")
        try:
            self.compiled(expected, options)
        except regex.error as exc:
            raise ValueError(f"the pattern does not compile: {exc}")

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        pattern = self.compiled(expected, options)
        try:
            matched = pattern.fullmatch(submitted.strip(), timeout=REGEX_TIMEOUT)
        except TimeoutError:
            return Verdict(False, 0.0, _("The answer could not be checked in time; shorten it."))
        return Verdict(True, 1.0) if matched else Verdict(False, 0.0, _not_right())


IpValue = (
    ipaddress.IPv4Address | ipaddress.IPv6Address | ipaddress.IPv4Network | ipaddress.IPv6Network
)
_BRACKETED = re.compile(r"\[([^\]]*)\](/\d+)?")
_DOTTED_QUAD = re.compile(r"(\d+)\.(\d+)\.(\d+)\.(\d+)$")


class IpChecker(ItemChecker):
    """An IPv4/IPv6 address, or a network with ``cidr: true`` (host bits ignored).

    Canonical equivalents are equal; with ``allow_mapped`` (default) ``::ffff:a.b.c.d`` is a.b.c.d.
    Brackets and surrounding whitespace are tolerated; leading-zero octets are refused.
    """

    name = "ip"
    defaults = {"cidr": False, "allow_mapped": True}

    def check_options(self, options: Options) -> None:
        for key in ("cidr", "allow_mapped"):
            _require(isinstance(options[key], bool), f"{key} must be true or false")

    def canonical(self, text: str, options: Options) -> IpValue:
        text = text.strip()
        bracketed = _BRACKETED.fullmatch(text)
        if bracketed:
            text = bracketed[1] + (bracketed[2] or "")
        cidr = options["cidr"]
        if "/" in text and not cidr:
            raise Unreadable(_("Give a single address, not a network."))
        quad = _DOTTED_QUAD.search(text.split("/", 1)[0])
        if quad and any(len(octet) > 1 and octet.startswith("0") for octet in quad.groups()):
            raise Unreadable(
                _(
                    "Numbers with leading zeros, such as 010, are ambiguous in an IPv4 address "
                    "(some tools read them as octal). Write them without leading zeros."
                )
            )
        try:
            value = (
                ipaddress.ip_network(text, strict=False) if cidr else ipaddress.ip_address(text)
            )
        except ValueError:
            if cidr:
                raise Unreadable(
                    _("That is not a valid IP network (an address, a slash and a prefix length).")
                )
            raise Unreadable(_("That is not a valid IP address."))
        return _unmapped(value) if options["allow_mapped"] else value

    def wrong(self, submitted: str, options: Options) -> str:
        if options["cidr"] and "/" not in submitted:
            return _(
                "That is not the right network. Did you give its prefix length after a slash?"
            )
        return _not_right()


def _unmapped(value: IpValue) -> IpValue:
    """``::ffff:a.b.c.d`` as the IPv4 address it carries (networks too, from /96 down)."""
    if isinstance(value, ipaddress.IPv6Address):
        mapped = value.ipv4_mapped
        return value if mapped is None else mapped
    if isinstance(value, ipaddress.IPv6Network) and value.prefixlen >= 96:
        mapped = value.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.IPv4Network((mapped, value.prefixlen - 96))
    return value


_HASH_PREFIX = re.compile(r"(md5|sha-?(?:1|256|512))\s*[:=]\s*")


class HashChecker(ItemChecker):
    """A hex digest: case-insensitive, optional ``sha256:`` prefix, spaces and colons ignored."""

    name = "hash"
    defaults = {"algorithm": "sha256"}
    ALGORITHMS: ClassVar[dict[str, tuple[str, int]]] = {
        "md5": ("MD5", 32),
        "sha1": ("SHA-1", 40),
        "sha256": ("SHA-256", 64),
        "sha512": ("SHA-512", 128),
    }

    def check_options(self, options: Options) -> None:
        _require(
            options["algorithm"] in self.ALGORITHMS,
            f"algorithm must be one of {sorted(self.ALGORITHMS)}",
        )

    def canonical(self, text: str, options: Options) -> str:
        label, digits = self.ALGORITHMS[options["algorithm"]]
        text = text.strip().casefold()
        prefix = _HASH_PREFIX.match(text)
        if prefix:
            if prefix[1].replace("-", "") != options["algorithm"]:
                raise Unreadable(
                    _("This question asks for a %(algorithm)s hash.") % {"algorithm": label}
                )
            text = text[prefix.end() :]
        text = re.sub(r"[\s:]", "", text)
        if not re.fullmatch(r"[0-9a-f]+", text):
            raise Unreadable(_("A hash contains only the digits 0–9 and the letters a–f."))
        if len(text) != digits:
            raise Unreadable(
                _("%(algorithm)s hashes have %(digits)d hex digits; your answer has %(count)d.")
                % {"algorithm": label, "digits": digits, "count": len(text)}
            )
        return text


_GROUPED_INT = re.compile(r"([+-]?)(\d{1,3}(?:[,\s]\d{2,3})*[,\s]\d{3}|\d+)")
_DECIMAL = re.compile(r"[+-]?(?:\d[\d,\s]*)?[.٫]\d+|[+-]?\d[\d,\s]*[.٫]")


class IntegerChecker(Checker):
    """A whole number: expected ± ``tolerance``, or inside [``min``, ``max``] (then ``expected``
    is optional). Accepts ``1,234``, ``1 234``, ``1,23,456``, ``+12`` and Urdu digits."""

    name = "integer"
    defaults = {"tolerance": None, "min": None, "max": None}

    def check_options(self, options: Options) -> None:
        tolerance, low, high = options["tolerance"], options["min"], options["max"]
        _require(
            tolerance is None or (_is_int(tolerance) and tolerance >= 0),
            "tolerance must be an int ≥ 0",
        )
        _require(low is None or _is_int(low), "min must be an int")
        _require(high is None or _is_int(high), "max must be an int")
        _require(
            tolerance is None or (low is None and high is None),
            "give tolerance or min/max, not both",
        )
        _require(low is None or high is None or low <= high, "min is greater than max")

    def check_expected(self, expected: Any, options: Options) -> None:
        low, high = options["min"], options["max"]
        if low is None and high is None:
            _require(_is_int(expected), "must be an int")
        else:
            _require(expected is None or _is_int(expected), "must be an int or null")
            _require(expected is None or self.in_range(expected, options), "is outside min/max")

    def in_range(self, value: int, options: Options) -> bool:
        low, high = options["min"], options["max"]
        return (low is None or value >= low) and (high is None or value <= high)

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        text = submitted.strip()
        number = _GROUPED_INT.fullmatch(text)
        if not number:
            if _DECIMAL.fullmatch(text):
                return Verdict(False, 0.0, _("Give a whole number, without a decimal point."))
            return Verdict(False, 0.0, _("That is not a whole number."))
        digits = re.sub(r"[,\s]", "", number[2])
        if len(digits) > 30:
            return Verdict(False, 0.0, _("That number is far too large."))
        value = int(number[1] + digits)
        if options["min"] is not None or options["max"] is not None:
            right = self.in_range(value, options)
        else:
            right = abs(value - expected) <= (options["tolerance"] or 0)
        return Verdict(True, 1.0) if right else Verdict(False, 0.0, _not_right())


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_SYSLOG = re.compile(r"([A-Za-z]{3}) (\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})")
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:,? |T)(\d{1,2}):(\d{2})(?::(\d{2}))?")


class DatetimeChecker(Checker):
    """An instant, within ``tolerance_seconds`` of the expected ISO 8601 time (with offset).

    Submissions: ISO 8601 (offset, ``Z``, ``UTC`` or none), ``YYYY-MM-DD HH:MM[:SS]``, syslog
    ``Mar 14 09:12:03`` (with the ``year`` option) or day-first ``14/03/2026 09:12[:03]``.
    A time without an offset is read in ``timezone`` (IANA, default Asia/Karachi).
    """

    name = "datetime"
    defaults = {"tolerance_seconds": 60, "timezone": "Asia/Karachi", "year": None}

    def check_options(self, options: Options) -> None:
        tolerance, zone, year = options["tolerance_seconds"], options["timezone"], options["year"]
        _require(
            _is_number(tolerance) and tolerance >= 0, "tolerance_seconds must be a number ≥ 0"
        )
        _require(
            year is None or (_is_int(year) and 1 <= year <= 9999), "year must be an int 1–9999"
        )
        _require(isinstance(zone, str), "timezone must be an IANA time-zone name")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}")

    def check_expected(self, expected: Any, options: Options) -> None:
        _require(isinstance(expected, str), "must be an ISO 8601 string")
        try:
            value = datetime.fromisoformat(expected)
        except ValueError:
            raise ValueError(f"{expected!r} is not ISO 8601")
        _require(value.tzinfo is not None, f"{expected!r} has no UTC offset")

    def parse(self, text: str, options: Options) -> datetime:
        text = " ".join(text.split())
        if syslog := _SYSLOG.fullmatch(text):
            month, day, hour, minute, second = syslog.groups()
            if month.casefold() not in _MONTHS:
                raise Unreadable(_("That month name could not be read."))
            if options["year"] is None:
                raise Unreadable(_("Include the year: write the time as YYYY-MM-DD HH:MM:SS."))
            parts = (
                options["year"],
                _MONTHS.index(month.casefold()) + 1,
                day,
                hour,
                minute,
                second,
            )
        elif day_first := _DAY_FIRST.fullmatch(text):
            day, month, year, hour, minute, second = day_first.groups()
            parts = (year, month, day, hour, minute, second or 0)
        else:
            iso = re.sub(r" ?(?:UTC|GMT)$", "Z", text.upper())
            iso = re.sub(r" (?=[+-]\d\d:?\d\d$|Z$)", "", iso)
            try:
                value = datetime.fromisoformat(iso)
            except ValueError:
                raise Unreadable(
                    _("That date and time could not be read. Write it as YYYY-MM-DD HH:MM:SS.")
                )
            if re.fullmatch(r"[\d-]+|\d{4}-?W[\d-]+", iso):
                raise Unreadable(_("Include the time of day as well as the date."))
            return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(options["timezone"]))
        try:
            return datetime(*(int(part) for part in parts), tzinfo=ZoneInfo(options["timezone"]))
        except ValueError:
            raise Unreadable(_("That is not a valid date and time."))

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        try:
            value = self.parse(submitted, options)
        except Unreadable as exc:
            return Verdict(False, 0.0, exc.message)
        target = datetime.fromisoformat(expected)
        gap = abs(value.timestamp() - target.timestamp())  # no overflow near year 1 or 9999
        tolerance = options["tolerance_seconds"]
        if gap <= tolerance:
            return Verdict(True, 1.0)
        half_hours = round(gap / 1800)  # time zones differ by whole or half hours
        if 1 <= half_hours <= 28 and abs(gap - half_hours * 1800) <= tolerance:
            return Verdict(False, 0.0, _("That is not the right time. Check the time zone."))
        return Verdict(False, 0.0, _("That is not the right time."))


class ChoiceChecker(Checker):
    """One of ``choices`` (a list of {key, label}); the submission must be a key, exactly."""

    name = "choice"
    required = frozenset({"choices"})

    def check_options(self, options: Options) -> None:
        choices = options["choices"]
        _require(isinstance(choices, list) and bool(choices), "choices must be a non-empty list")
        for choice in choices:
            _require(
                isinstance(choice, dict)
                and set(choice) == {"key", "label"}
                and isinstance(choice["key"], str)
                and choice["key"] != ""
                and isinstance(choice["label"], str),
                f"each choice must be {{key: non-empty string, label: string}}, not {choice!r}",
            )
        keys = [choice["key"] for choice in choices]
        _require(len(set(keys)) == len(keys), "choice keys must be unique")

    def check_expected(self, expected: Any, options: Options) -> None:
        keys = [choice["key"] for choice in options["choices"]]
        _require(expected in keys, f"{expected!r} is not one of the keys {keys}")

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        if submitted not in {choice["key"] for choice in options["choices"]}:
            return Verdict(False, 0.0, _("That is not one of the choices."))
        if submitted == expected:
            return Verdict(True, 1.0)
        return Verdict(False, 0.0, _("That is not the right choice."))


_LIST_SEPARATORS = re.compile(r"[,;\r\n]")


class ListChecker(Checker):
    """Base for answers that are lists of items, split on commas, semicolons and newlines.

    ``item`` names an :class:`ItemChecker` (text, ip, hash) that reads each item;
    ``item_options`` are that checker's options (for example ``{"cidr": true}``).
    """

    defaults = {"item": "text", "item_options": {}}

    def item_checker(self, options: Options) -> ItemChecker:
        return cast(ItemChecker, REGISTRY[options["item"]])  # checked in check_options

    def check_options(self, options: Options) -> None:
        items = sorted(name for name, c in REGISTRY.items() if isinstance(c, ItemChecker))
        _require(options["item"] in items, f"item must be one of {items}")
        # Replaced by the item checker's options with its defaults filled in, ready for judge().
        options["item_options"] = self.item_checker(options).options(options["item_options"])

    def check_expected(self, expected: Any, options: Options) -> None:
        _require(_is_str_list(expected), "must be a non-empty list of strings")
        for text in expected:
            self.item_checker(options).canonical_expected(text, options["item_options"])

    def expected_items(self, expected: list[str], options: Options) -> list[Any]:
        checker = self.item_checker(options)
        return [checker.canonical(text, options["item_options"]) for text in expected]

    def submitted_items(self, submitted: str, options: Options) -> list[Any]:
        """The learner's items in order; an unreadable item becomes an :class:`Unreadable`."""
        checker = self.item_checker(options)
        items: list[Any] = []
        for piece in _LIST_SEPARATORS.split(submitted):
            if piece.strip():
                try:
                    items.append(checker.canonical(piece, options["item_options"]))
                except Unreadable as exc:
                    items.append(exc)  # equal to nothing, so never right
        return items


class SetChecker(ListChecker):
    """An unordered list. Score = max(0, (right − wrong) / expected count); right iff equal."""

    name = "set"

    def check_expected(self, expected: Any, options: Options) -> None:
        super().check_expected(expected, options)
        items = self.expected_items(expected, options)
        _require(len(set(items)) == len(items), "has duplicate items")

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        wanted = set(self.expected_items(expected, options))
        given = self.submitted_items(submitted, options)
        unreadable = sum(isinstance(item, Unreadable) for item in given)
        readable = {item for item in given if not isinstance(item, Unreadable)}
        right = len(readable & wanted)
        wrong = len(readable - wanted) + unreadable
        missing = len(wanted) - right
        if not wrong and not missing:
            return Verdict(True, 1.0, _("All %(count)d are right.") % {"count": right})
        message = _("Right: %(right)d. Wrong: %(wrong)d. Missing: %(missing)d.") % {
            "right": right,
            "wrong": wrong,
            "missing": missing,
        }
        if unreadable:
            message += " " + ngettext(
                "%(count)d of your entries could not be read.",
                "%(count)d of your entries could not be read.",
                unreadable,
            ) % {"count": unreadable}
        return Verdict(False, max(0.0, (right - wrong) / len(wanted)), message)


class OrderingChecker(ListChecker):
    """A list whose order matters. Score = positions right / the longer list's length."""

    name = "ordering"

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        wanted = self.expected_items(expected, options)
        given = self.submitted_items(submitted, options)
        if given == wanted:
            return Verdict(True, 1.0)
        right = sum(a == b for a, b in zip(given, wanted, strict=False))
        if len(given) != len(wanted):
            message = _("The list should have %(expected)d items; yours has %(given)d.") % {
                "expected": len(wanted),
                "given": len(given),
            }
        else:
            message = _("Positions right: %(right)d of %(total)d.") % {
                "right": right,
                "total": len(wanted),
            }
        return Verdict(False, right / max(len(given), len(wanted)), message)


_SSHD_LINE = re.compile(r"([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(\S.*)")
_SYSCTL_LINE = re.compile(r"-?([\w.\-/*]+)\s*=\s*(\S.*)")
_SSHD_TIME = re.compile(r"(?:\d+[smhdw]?)+", re.IGNORECASE)
_SSHD_TIME_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_TOKEN_SEPARATORS = re.compile(r"[\s:,;]+")  # ssl_ciphers HIGH:!aNULL, Ciphers a,b, protocols a b


@dataclass
class _Config:
    values: dict[str, str]  # key -> effective global value
    present: set[str]  # every key that appears anywhere (for ``keep``)
    bad_lines: list[int]  # 1-based numbers of lines that cannot be parsed


class ConfigChecker(Checker):
    """A corrected configuration file, parsed and held against requirements.

    ``format``:

    * ``sshd``: ``Keyword value``, keywords case-insensitive, the first occurrence wins and
      settings after a ``Match`` line do not count globally; times such as ``1m`` are read as
      seconds for le/ge.
    * ``sysctl``: ``key = value``, the last occurrence wins, ``/`` in keys read as ``.``.
    * ``nginx``: directives ``name args…;``, ``#`` comments, quoted strings and nested blocks
      (``http {}``, ``server {}``, ``location … {}``). Requirements are about the **first
      ``server`` block with a ``listen … ssl`` line** (the HTTPS site), as nginx applies them:
      a directive set in that block counts, otherwise the one inherited from ``http`` (or the
      main level); and every ``location`` (or other block) inside it that sets the directive
      itself must meet the requirement too, because there its own value replaces the inherited
      one (so an ``autoindex on`` in one location, or an ``add_header`` list in a location that
      drops the server's headers, fails). All the occurrences at one level count together (for
      ``add_header``, one per header). Unbalanced braces, a directive without its ``;``, an
      unclosed quote or an on/off directive with another value make the file unreadable, and
      the message names the line. Directive names are compared case-insensitively.

    ``expected``: requirements ``{key, op, value}`` with op

    * ``eq`` (case-insensitive, quotes and runs of spaces ignored), ``in`` (value is a list),
      ``le``/``ge`` (integers), ``absent`` (no value);
    * ``has`` / ``lacks`` (value a string): the setting's value is split into tokens at spaces,
      ``:``, ``,`` and ``;`` (``ssl_protocols TLSv1.2 TLSv1.3``, ``ssl_ciphers HIGH:!RC4``,
      ``Ciphers a,b``); tokens starting with ``!`` or ``-`` exclude something and are skipped.
      ``has`` needs a token equal to the value, ``lacks`` none; with ``match: substring`` a
      token containing the value counts (``lacks RC4`` refuses ``ECDHE-RSA-RC4-SHA``).

    Any requirement but ``absent`` may give ``default``: the value the software uses when the
    setting is missing (``autoindex`` is ``off`` in nginx). Without one, a missing setting
    fails every op but ``absent``. ``keep``: keys that must still be present somewhere.
    """

    name = "config"
    required = frozenset({"format"})
    defaults = {"keep": []}
    FORMATS = ("sshd", "sysctl", "nginx")
    OPS = ("eq", "in", "le", "ge", "absent", "has", "lacks")
    MATCHES = ("token", "substring")

    def check_options(self, options: Options) -> None:
        _require(options["format"] in self.FORMATS, f"format must be one of {self.FORMATS}")
        keep = options["keep"]
        _require(
            isinstance(keep, list) and all(isinstance(k, str) and k for k in keep),
            "keep must be a list of keys",
        )

    def check_expected(self, expected: Any, options: Options) -> None:
        _require(isinstance(expected, list), "must be a list of requirements")
        _require(bool(expected) or bool(options["keep"]), "has no requirements and no keep keys")
        for requirement in expected:
            _require(
                isinstance(requirement, dict)
                and isinstance(requirement.get("key"), str)
                and requirement["key"] != ""
                and requirement.get("op") in self.OPS,
                f"each requirement needs a key and an op in {self.OPS}: {requirement!r}",
            )
            op, value = requirement["op"], requirement.get("value")
            needed = {"key", "op"} if op == "absent" else {"key", "op", "value"}
            allowed = set(needed)
            if op != "absent":
                allowed.add("default")
            if op in ("has", "lacks"):
                allowed.add("match")
            _require(
                needed <= set(requirement) <= allowed,
                f"{requirement!r} must have {sorted(needed)}"
                + (f" and may have {sorted(allowed - needed)}" if allowed != needed else ""),
            )
            if op == "eq":
                _require(
                    isinstance(value, str | int) and not isinstance(value, bool),
                    f"{requirement!r}: value must be a string (in YAML, quote yes/no/on/off)",
                )
            elif op == "in":
                _require(
                    _is_str_list(value),
                    f"{requirement!r}: value must be a non-empty list of strings (quote yes/no in YAML)",
                )
            elif op in ("le", "ge"):
                _require(_is_int(value), f"{requirement!r}: value must be an int")
            elif op in ("has", "lacks"):
                _require(
                    isinstance(value, str) and value.strip() != "",
                    f"{requirement!r}: value must be a non-empty string",
                )
                _require(
                    requirement.get("match", "token") in self.MATCHES,
                    f"{requirement!r}: match must be one of {self.MATCHES}",
                )
            if "default" in requirement:
                default = requirement["default"]
                _require(
                    isinstance(default, str | int) and not isinstance(default, bool),
                    f"{requirement!r}: default must be a string (in YAML, quote yes/no/on/off)",
                )

    @staticmethod
    def key(fmt: str, key: str) -> str:
        if fmt == "sysctl":
            return key.strip().replace("/", ".")
        return key.strip().casefold()

    def parse(self, text: str, fmt: str) -> _Config:
        config = _Config({}, set(), [])
        in_match = False
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#") or (fmt == "sysctl" and line.startswith(";")):
                continue
            if fmt == "sshd":
                line = re.sub(r"\s+#.*", "", line)
            parsed = (_SSHD_LINE if fmt == "sshd" else _SYSCTL_LINE).fullmatch(line)
            if not parsed:
                config.bad_lines.append(number)
                continue
            key, value = self.key(fmt, parsed[1]), parsed[2]
            config.present.add(key)
            if fmt == "sysctl":
                config.values[key] = value  # the last occurrence wins
            elif key == "match":
                in_match = True
            elif not in_match:
                config.values.setdefault(key, value)  # the first occurrence wins
        return config

    @staticmethod
    def integer(value: str, fmt: str) -> int | None:
        if len(value) > 30:  # no setting is that large; int() refuses very long digit strings
            return None
        if fmt == "sshd" and _SSHD_TIME.fullmatch(value):
            pairs = re.findall(r"(\d+)([smhdw]?)", value, re.IGNORECASE)
            return sum(int(n) * _SSHD_TIME_UNITS[unit.lower()] for n, unit in pairs)
        return int(value) if re.fullmatch(r"[+-]?\d+", value) else None

    def satisfied(self, requirement: dict[str, Any], value: str | None, fmt: str) -> bool:
        """One setting's value (None when it is missing) against one requirement."""
        return self.satisfied_by(requirement, None if value is None else [value], fmt)

    def satisfied_by(
        self, requirement: dict[str, Any], values: list[str] | None, fmt: str
    ) -> bool:
        """All the values a setting has at one level (None when it is missing there)."""
        op = requirement["op"]
        if values is None and op != "absent" and "default" in requirement:
            values = [str(requirement["default"])]
        if op == "absent" or values is None:
            return op == "absent" and values is None
        if op in ("has", "lacks"):
            wanted = _config_value(requirement["value"])
            substring = requirement.get("match", "token") == "substring"
            tokens = [
                token
                for value in values
                for token in _TOKEN_SEPARATORS.split(_config_value(value))
                if token and token[0] not in "!-"
            ]
            found = any(wanted in token if substring else wanted == token for token in tokens)
            return found if op == "has" else not found
        return all(self.satisfied_value(requirement, value, fmt) for value in values)

    def satisfied_value(self, requirement: dict[str, Any], value: str, fmt: str) -> bool:
        op = requirement["op"]
        if op == "eq":
            return _config_value(value) == _config_value(requirement["value"])
        if op == "in":
            return _config_value(value) in {_config_value(v) for v in requirement["value"]}
        number = self.integer(value.strip('"'), fmt)
        if number is None:
            return False
        return number <= requirement["value"] if op == "le" else number >= requirement["value"]

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        fmt = options["format"]
        if fmt == "nginx":
            return self.judge_nginx(expected, submitted, options)
        config = self.parse(submitted, fmt)
        if config.bad_lines:
            shown = ", ".join(str(n) for n in config.bad_lines[:5])
            if len(config.bad_lines) > 5:
                shown += ", …"
            return Verdict(
                False,
                0.0,
                ngettext(
                    "Line %(lines)s cannot be read as a setting. Fix it and submit again.",
                    "Lines %(lines)s cannot be read as settings. Fix them and submit again.",
                    len(config.bad_lines),
                )
                % {"lines": shown},
            )
        not_right = [
            r["key"]
            for r in expected
            if not self.satisfied(r, config.values.get(self.key(fmt, r["key"])), fmt)
        ]
        removed = [key for key in options["keep"] if self.key(fmt, key) not in config.present]
        return self.verdict(expected, not_right, removed, options)

    def judge_nginx(self, expected: Any, submitted: str, options: Options) -> Verdict:
        try:
            tree = _nginx_parse(submitted)
        except Unreadable as exc:
            return Verdict(False, 0.0, exc.message)
        found = _nginx_tls_server(tree, [])
        if found is None:
            return Verdict(
                False,
                0.0,
                _(
                    "No server block has a “listen … ssl” line, so there is no HTTPS site to "
                    "check. Keep the HTTPS server block and its listen line."
                ),
            )
        server, ancestors = found
        not_right = [
            r["key"]
            for r in expected
            if not all(
                self.satisfied_by(r, values, "nginx")
                for values in _nginx_values(server, ancestors, self.key("nginx", r["key"]))
            )
        ]
        present = {d.name for d in _nginx_walk(tree)}
        removed = [key for key in options["keep"] if self.key("nginx", key) not in present]
        return self.verdict(expected, not_right, removed, options)

    @staticmethod
    def verdict(expected: Any, not_right: list[str], removed: list[str], options: Options):
        total = len(expected) + len(options["keep"])
        score = (total - len(not_right) - len(removed)) / total
        if not not_right and not removed:
            return Verdict(True, 1.0, _("All the settings are right."))
        messages = []
        if not_right:
            messages.append(
                _("Not right yet: %(keys)s.") % {"keys": ", ".join(dict.fromkeys(not_right))}
            )
        if removed:
            messages.append(
                _("These settings must stay in the file: %(keys)s.")
                % {"keys": ", ".join(dict.fromkeys(removed))}
            )
        return Verdict(False, score, " ".join(messages))


def _config_value(text: Any) -> str:
    """A setting's value for comparison: unquoted, whitespace collapsed, case-folded."""
    return " ".join(str(text).strip().strip('"').split()).casefold()


# nginx ---------------------------------------------------------------------------------------


@dataclass
class _NginxDirective:
    name: str  # case-folded
    args: list[str]
    line: int  # where the name is
    block: list[_NginxDirective] | None  # the directives inside its { }, or None


# Directives that take exactly one of these values (nginx -t refuses anything else). A missing
# ";" usually shows up here first: "server_tokens off" followed by "autoindex off;" reads as
# one directive with three arguments.
_NGINX_ON_OFF = (
    "autoindex", "autoindex_exact_size", "autoindex_localtime", "absolute_redirect", "gzip",
    "sendfile", "tcp_nopush", "tcp_nodelay", "ssl_prefer_server_ciphers", "ssl_session_tickets",
    "ssl_stapling", "ssl_stapling_verify", "server_name_in_redirect", "port_in_redirect",
    "proxy_buffering", "underscores_in_headers", "http2", "ssl", "proxy_ssl_verify", "etag",
    "log_not_found", "msie_padding",
)  # fmt: skip
_NGINX_FLAGS: dict[str, tuple[str, ...]] = dict.fromkeys(_NGINX_ON_OFF, ("on", "off"))
_NGINX_FLAGS["server_tokens"] = ("on", "off", "build")
# Names that start a new directive; seen at the start of a line inside another directive's
# arguments, they mean the ";" before them is missing.
_NGINX_DIRECTIVES = frozenset(
    {
        *_NGINX_FLAGS, "access_log", "add_header", "allow", "alias", "charset",
        "client_body_timeout", "client_header_timeout", "client_max_body_size", "deny",
        "error_log", "error_page", "events", "expires", "fastcgi_pass", "http", "include",
        "index", "keepalive_timeout", "limit_req", "limit_req_zone", "listen", "location",
        "log_format", "pid", "proxy_pass", "proxy_set_header", "resolver", "return", "rewrite",
        "root", "send_timeout", "server", "server_name", "ssl_certificate",
        "ssl_certificate_key", "ssl_ciphers", "ssl_dhparam", "ssl_ecdh_curve", "ssl_protocols",
        "ssl_session_cache", "ssl_session_timeout", "ssl_trusted_certificate", "try_files",
        "types", "upstream", "user", "worker_connections", "worker_processes",
    }
)  # fmt: skip


def _nginx_problem(line: int, problem: str) -> Unreadable:
    return Unreadable(
        _("Line %(line)d: %(problem)s Fix it and submit again.")
        % {"line": line, "problem": problem}
    )


def _nginx_tokens(text: str):
    """(kind, text, line, quoted) for each word, ``{``, ``}`` and ``;``, as nginx reads them."""
    i, line, size = 0, 1, len(text)
    while i < size:
        char = text[i]
        if char == "\n":
            line += 1
            i += 1
        elif char.isspace():
            i += 1
        elif char == "#":  # a comment, to the end of the line
            while i < size and text[i] != "\n":
                i += 1
        elif char in "{};":
            yield char, char, line, False
            i += 1
        elif char in "\"'":
            start, i, word = line, i + 1, []
            while i < size and text[i] != char:
                if text[i] == "\\" and i + 1 < size and text[i + 1] in (char, "\\"):
                    i += 1
                elif text[i] == "\n":
                    line += 1
                word.append(text[i])
                i += 1
            if i >= size:
                raise _nginx_problem(start, _("A quoted string starts here and is never closed."))
            i += 1
            if i < size and not (text[i].isspace() or text[i] in "{};"):
                raise _nginx_problem(
                    line,
                    _(
                        "A quoted string (opened on line %(start)d) ends here with no space "
                        "after it; is a quote missing or extra?"
                    )
                    % {"start": start},
                )
            yield "word", "".join(word), start, True
        else:
            word = []
            while i < size and not (text[i].isspace() or text[i] in "{};\"'"):
                if text[i] == "$" and text[i + 1 : i + 2] == "{":  # ${variable}
                    end = text.find("}", i)
                    if end < 0 or "\n" in text[i:end]:
                        raise _nginx_problem(line, _("A “${” is never closed with “}”."))
                    word.append(text[i : end + 1])
                    i = end + 1
                    continue
                if text[i] == "\\" and i + 1 < size and not text[i + 1].isspace():
                    word.append(text[i])
                    i += 1
                word.append(text[i])
                i += 1
            if i < size and text[i] in "\"'":
                raise _nginx_problem(line, _("A quote in the middle of a word cannot be read."))
            yield "word", "".join(word), line, False


def _nginx_directive(words: list[tuple[str, int, bool]], block) -> _NginxDirective:
    name, line, _quoted = words[0]  # quoted names occur in map blocks; types has text/html
    for (_word, previous, _q), (word, where, quoted) in zip(words, words[1:], strict=False):
        if where > previous and not quoted and word.casefold() in _NGINX_DIRECTIVES:
            raise _nginx_problem(
                previous, _("The “;” at the end of this line seems to be missing.")
            )
    directive = _NginxDirective(name.casefold(), [w for w, _l, _q in words[1:]], line, block)
    allowed = _NGINX_FLAGS.get(directive.name)
    if allowed and (len(directive.args) != 1 or directive.args[0].casefold() not in allowed):
        raise _nginx_problem(
            line,
            _("“%(name)s” takes exactly one of %(values)s; is a “;” missing?")
            % {"name": directive.name, "values": ", ".join(allowed)},
        )
    return directive


def _nginx_parse(text: str) -> list[_NginxDirective]:
    """The directives of an nginx configuration; raises :class:`Unreadable` naming the line."""
    root: list[_NginxDirective] = []
    stack: list[tuple[list[_NginxDirective], int]] = [(root, 0)]  # (children, line opened)
    words: list[tuple[str, int, bool]] = []
    for kind, token, line, quoted in _nginx_tokens(text):
        if kind == "word":
            words.append((token, line, quoted))
        elif kind == ";":
            if not words:
                raise _nginx_problem(line, _("There is a “;” with no directive before it."))
            stack[-1][0].append(_nginx_directive(words, None))
            words = []
        elif kind == "{":
            if not words:
                raise _nginx_problem(line, _("There is a “{” with no directive before it."))
            directive = _nginx_directive(words, [])
            stack[-1][0].append(directive)
            stack.append((cast(list, directive.block), directive.line))
            words = []
        else:
            if words:
                raise _nginx_problem(
                    words[-1][1], _("The “;” at the end of this line seems to be missing.")
                )
            if len(stack) == 1:
                raise _nginx_problem(line, _("This “}” closes no block (one too many)."))
            stack.pop()
    if words:
        raise _nginx_problem(
            words[-1][1], _("The “;” at the end of this line seems to be missing.")
        )
    if len(stack) > 1:
        raise _nginx_problem(stack[-1][1], _("The block opened here is never closed with “}”."))
    return root


def _nginx_walk(directives: list[_NginxDirective]):
    for directive in directives:
        yield directive
        if directive.block is not None:
            yield from _nginx_walk(directive.block)


def _nginx_tls_server(
    directives: list[_NginxDirective], ancestors: list[list[_NginxDirective]]
) -> tuple[list[_NginxDirective], list[list[_NginxDirective]]] | None:
    """The first ``server`` block with ``listen … ssl``, and the levels around it (outermost
    first), searched in file order."""
    for directive in directives:
        if directive.block is None:
            continue
        if directive.name == "server" and any(
            d.name == "listen" and "ssl" in (a.casefold() for a in d.args[1:])
            for d in directive.block
        ):
            return directive.block, [*ancestors, directives]
        found = _nginx_tls_server(directive.block, [*ancestors, directives])
        if found is not None:
            return found
    return None


def _nginx_values(
    server: list[_NginxDirective], ancestors: list[list[_NginxDirective]], key: str
) -> list[list[str] | None]:
    """The values ``key`` has in the server (its own or inherited; None if unset), then those of
    every block inside the server that sets it itself."""

    def own(level: list[_NginxDirective]) -> list[str] | None:
        values = [" ".join(d.args) for d in level if d.name == key]
        return values or None

    inherited = next(
        (values for level in [server, *reversed(ancestors)] if (values := own(level))), None
    )
    inner = [
        values
        for d in _nginx_walk(server)
        if d.block is not None and (values := own(d.block)) is not None
    ]
    return [inherited, *inner]


_COUNTED_REPEAT = re.compile(r"\{(\d*)(?:,(\d*))?\}")


def _repeat_cost(pattern: str) -> int:
    """Roughly how many characters the counted repeats ({n}, {n,m}) of ``pattern`` expand to.

    The ``regex`` module unrolls counted repeats while compiling, so ``(?:(?:a{99}){99}){99}``
    needs hundreds of megabytes before any timeout applies. Each repeat's count is multiplied
    by the counts of the groups around it; the costs are added up. Over-estimates are harmless.
    """
    groups: list[tuple[int, int]] = []  # (open, close) positions of groups
    repeats: list[tuple[int, int, int | None]] = []  # (position, count, the group it repeats)
    stack: list[int] = []
    in_class, i = False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 2 if pattern[i + 1 : i + 2] == "]" else 3 if pattern[i + 1 : i + 3] == "^]" else 1
            continue
        elif char == "(":
            stack.append(i)
        elif char == ")" and stack:
            groups.append((stack.pop(), i))
        elif (
            char == "{"
            and (counted := _COUNTED_REPEAT.match(pattern, i))
            and any(counted.groups())
        ):
            count = max(int(n) for n in counted.groups() if n)
            group = len(groups) - 1 if groups and groups[-1][1] == i - 1 else None
            repeats.append((i, count, group))
        i += 1
    group_counts = {group: count for _pos, count, group in repeats if group is not None}
    total = 0
    for position, count, _group in repeats:
        for index, (start, end) in enumerate(groups):
            if start < position < end:
                count *= group_counts.get(index, 1)
        total += count
    return total


class DetectionChecker(Checker):
    """The learner writes a regex to flag malicious log lines; graded by precision and recall.

    ``expected`` = {"lines": [...], "labels": [...]}. The pattern is compiled with the ``regex``
    module (VERSION0) and searched in every line under one time budget, so catastrophic
    backtracking ends in a verdict instead of a hung worker. Score = F1 (1.0 once correct).
    """

    name = "detection"
    defaults = {"min_precision": 0.9, "min_recall": 0.9, "timeout_seconds": 1.0, "max_length": 300}

    def check_options(self, options: Options) -> None:
        for key in ("min_precision", "min_recall"):
            _require(
                _is_number(options[key]) and 0 <= options[key] <= 1,
                f"{key} must be between 0 and 1",
            )
        timeout, length = options["timeout_seconds"], options["max_length"]
        _require(_is_number(timeout) and 0 < timeout <= 10, "timeout_seconds must be > 0 and ≤ 10")
        _require(_is_int(length) and 0 < length <= 2000, "max_length must be an int 1–2000")

    def check_expected(self, expected: Any, options: Options) -> None:
        _require(
            isinstance(expected, dict) and set(expected) == {"lines", "labels"},
            'must be {"lines": [...], "labels": [...]}',
        )
        lines, labels = expected["lines"], expected["labels"]
        _require(_is_str_list(lines), "lines must be a non-empty list of strings")
        _require(
            isinstance(labels, list) and all(isinstance(b, bool) for b in labels),
            "labels must be booleans",
        )
        _require(len(lines) == len(labels), "lines and labels differ in length")
        _require(any(labels), "no line is labelled malicious")

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        started = time.monotonic()
        source = submitted.strip("\r\n")
        if len(source) > options["max_length"]:
            message = _("The pattern is too long: use at most %(limit)d characters.")
            return Verdict(False, 0.0, message % {"limit": options["max_length"]})
        if _repeat_cost(source) > MAX_REPEAT_COST:
            return Verdict(
                False, 0.0, _("The pattern repeats too much: use smaller counts in {…}.")
            )
        try:
            pattern = regex.compile(source, flags=regex.VERSION0)
        except (regex.error, OverflowError, RecursionError) as exc:
            position = getattr(exc, "pos", None)
            if position is None:
                return Verdict(False, 0.0, _("The pattern is not a valid regular expression."))
            message = _(
                "The pattern is not a valid regular expression (problem at character %(position)d)."
            )
            return Verdict(False, 0.0, message % {"position": position + 1})
        too_slow = Verdict(
            False,
            0.0,
            _(
                "The pattern took too long to run; avoid nested repetition such as (a+)+ and simplify it."
            ),
        )
        hits = {True: 0, False: 0}  # label -> lines the pattern matched
        for line, label in zip(expected["lines"], expected["labels"], strict=True):
            remaining = options["timeout_seconds"] - (time.monotonic() - started)
            if remaining <= 0:
                return too_slow
            try:
                hits[label] += pattern.search(line, timeout=remaining) is not None
            except TimeoutError:
                return too_slow
        positives = sum(expected["labels"])
        found, false_positives = hits[True], hits[False]
        precision = found / (found + false_positives) if found + false_positives else 0.0
        recall = found / positives
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        correct = precision >= options["min_precision"] and recall >= options["min_recall"]
        message = _(
            "Precision %(precision)s%%, recall %(recall)s%%. Harmless lines matched: "
            "%(false_positives)d. Malicious lines missed: %(missed)d."
        ) % {
            "precision": _percent(precision),
            "recall": _percent(recall),
            "false_positives": false_positives,
            "missed": positives - found,
        }
        return Verdict(correct, 1.0 if correct else f1, message)


def _percent(fraction: float) -> str:
    """Rounded down to 0.1 so a near miss never displays as the threshold itself."""
    return f"{math.floor(fraction * 1000 + 1e-9) / 10:g}"


class CompositeChecker(Checker):
    """Several answers, one per line, each graded by its own checker (``parts``).

    ``parts``: [{checker, options?, weight?}]; ``expected``: one expected answer per part.
    Score = weighted mean of the parts' scores; right iff every part is right.
    """

    name = "composite"
    required = frozenset({"parts"})

    def check_options(self, options: Options) -> None:
        parts = options["parts"]
        _require(isinstance(parts, list) and bool(parts), "parts must be a non-empty list")
        for number, part in enumerate(parts, 1):
            _require(
                isinstance(part, dict)
                and "checker" in part
                and set(part) <= {"checker", "options", "weight"},
                f"part {number} must be {{checker, options?, weight?}}",
            )
            _require(
                part["checker"] in REGISTRY, f"part {number}: unknown checker {part['checker']!r}"
            )
            _require(part["checker"] != self.name, f"part {number}: composites cannot be nested")
            weight = part.get("weight", 1)
            _require(
                _is_number(weight) and weight > 0, f"part {number}: weight must be a number > 0"
            )
            try:
                REGISTRY[part["checker"]].validate(part.get("options", {}))
            except ValueError as exc:
                raise ValueError(f"part {number}: {exc}")

    def check_expected(self, expected: Any, options: Options) -> None:
        parts = options["parts"]
        _require(
            isinstance(expected, list) and len(expected) == len(parts),
            f"must be a list of {len(parts)} answers",
        )
        for number, (part, answer) in enumerate(zip(parts, expected, strict=True), 1):
            try:
                REGISTRY[part["checker"]].validate_expected(answer, part.get("options", {}))
            except ValueError as exc:
                raise ValueError(f"part {number}: {exc}")

    def judge(self, expected: Any, submitted: str, options: Options) -> Verdict:
        parts = options["parts"]
        lines = submitted.splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        if len(lines) != len(parts):
            message = ngettext(
                "Write %(count)d answer, one per line.",
                "Write %(count)d answers, one per line.",
                len(parts),
            )
            return Verdict(False, 0.0, message % {"count": len(parts)})
        verdicts = [
            REGISTRY[part["checker"]].check(answer, line, part.get("options", {}))
            for part, answer, line in zip(parts, expected, lines, strict=True)
        ]
        if all(v.correct for v in verdicts):
            return Verdict(True, 1.0)
        weights = [part.get("weight", 1) for part in parts]
        score = sum(w * v.score for w, v in zip(weights, verdicts, strict=True)) / sum(weights)
        problems = [
            _("Line %(line)d: %(problem)s")
            % {"line": number, "problem": v.message or _not_right()}
            for number, v in enumerate(verdicts, 1)
            if not v.correct
        ]
        return Verdict(False, score, " ".join(problems))
