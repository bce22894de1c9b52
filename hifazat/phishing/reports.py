"""Filing the reported-phishing mailbox (``hifazat phishing import-reports``).

Staff forward suspicious mail to their organisation's reporting mailbox; ``import_mailbox``
reads it (an mbox file, a folder of ``.eml`` files or one ``.eml`` file) and files each message
once, as a ``ReportedMessage`` keyed by the SHA-256 of its bytes, so importing the same mailbox
again changes nothing.

A message reports a simulation when it, or a message attached to it (a ``message/rfc822`` part
or a ``*.eml`` file, nested at most one level more), carries the Message-ID of a send or a
tracking link ``/t/<token>/`` of one: the send is then marked reported as of the report's Date.
Anything else is kept for the security team with its sender, subject, attachment names and
links; a message that cannot be read is kept as unreadable. The reporter's name and the body
text are never stored.

Messages are parsed with ``policy.compat32``: the default policy raises on some malformed
address headers (a real phish often has them), compat32 keeps every header as filed and each
value is decoded here on its own. Attachments are never decoded, except attached ``.eml`` files
(which are messages), and text parts over ``SCAN_LIMIT`` are not searched.
"""

from __future__ import annotations

import hashlib
import html
import logging
import mailbox
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import partial
from pathlib import Path

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.audit.services import audit_record
from hifazat.orgs.models import Person
from hifazat.phishing.models import Event, ReportedMessage, Send
from hifazat.phishing.tracking import record_hit

logger = logging.getLogger("hifazat.phishing")

SCAN_LIMIT = 2 * 1024 * 1024  # text parts larger than this (as filed) are not searched
HEADER_LIMIT = 8000  # characters of a header read: more than any field keeps, and bounded work
MAX_CANDIDATES = 100  # messages looked at in one report: itself and those attached
MAX_TOKENS = 50
MAX_ATTACHMENTS = 50
MAX_URLS = 50
NAME_LENGTH = 200
URL_LENGTH = 500
IDENTIFYING_HEADERS = ("From", "Subject", "Message-ID", "Date")
_LENGTH = {
    name: ReportedMessage._meta.get_field(name).max_length
    for name in ("reporter", "sender", "subject", "message_id", "problem", "source")
}

_parser = BytesParser(policy=policy.compat32)
# A tracking link's path; mail gateways that rewrite links URL-encode it (%2F for "/").
_TOKEN = re.compile(r"(?:/|%2f)t(?:/|%2f)([A-Za-z0-9_-]{16,64})(?:/|%2f)", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)
_ADDRESS = re.compile(r"[^\s<>@,;]+@[^\s<>@,;]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
COUNTS = (
    "total",
    "simulation_new",
    "simulation_repeat",
    "real",
    "unreadable",
    "already_imported",
)


class NotAMailbox(ValueError):
    """The path is not an mbox file, an ``.eml`` file or a folder."""


class Unreadable(Exception):
    """The bytes are not a message we can read; the argument says why."""


@dataclass
class ImportResult:
    total: int = 0
    simulation_new: int = 0
    simulation_repeat: int = 0  # the send had been reported before; the message is still filed
    real: int = 0
    unreadable: int = 0
    already_imported: int = 0
    real_messages: list[ReportedMessage] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "<source>: <reason>"

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def add(self, source: str, outcome: str, row: ReportedMessage | None, problem: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if outcome == "real":
            self.real_messages.append(row)
        if problem:
            self.problems.append(f"{source}: {problem}")


@dataclass
class _Message:
    """What is kept of one candidate message."""

    sender: str  # the From header, decoded
    sender_address: str
    subject: str
    message_id: str
    tokens: list[str]  # of the tracking links in its own text parts, in order


@dataclass
class _Report:
    """A readable message from the mailbox, reduced to what is filed."""

    reporter: str  # address only
    date: datetime | None
    candidates: list[_Message]  # the message itself, then the messages attached to it
    suspicious: _Message  # the first attached message, else the message itself
    attachments: list[str]  # names, of the suspicious message
    urls: list[str]  # of the suspicious message


# --- the mailbox -----------------------------------------------------------------------------


def import_mailbox(path: Path, *, actor=None) -> ImportResult:
    """File every message of the mailbox at ``path``; raises ``NotAMailbox`` (having written
    nothing) when it is neither an mbox file, an ``.eml`` file nor a folder."""
    path = Path(path)
    _check(path)
    result = ImportResult()
    for source, load in _messages(path):
        result.total += 1
        result.add(source, *_import_one(source, load))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="phishing.reports_imported",
            object_type="phishing.reportedmessage",
            object_repr=path.name,
            data=result.counts(),
        )
    return result


def _check(path: Path) -> None:
    if not path.exists():
        raise NotAMailbox(_("%(path)s: no such file or folder") % {"path": path})
    if path.is_dir() or (path.is_file() and path.suffix.lower() == ".eml"):
        return
    if path.is_file():
        with path.open("rb") as file:
            start = file.read(5)
        if start in (b"", b"From "):  # an mbox starts with a "From " line (or is empty)
            return
    raise NotAMailbox(
        _("%(path)s is not an mbox file, an .eml file or a folder of .eml files") % {"path": path}
    )


def _messages(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """(source, a function returning the raw bytes) of each message, in order."""
    if path.is_dir():
        files = (p for p in path.iterdir() if p.suffix.lower() == ".eml" and p.is_file())
        for file in sorted(files, key=lambda p: p.name):
            yield _source(f"{path.name}/{file.name}"), file.read_bytes
    elif path.suffix.lower() == ".eml":
        yield _source(path.name), path.read_bytes
    else:
        box = mailbox.mbox(path, create=False)
        try:
            for number, key in enumerate(box.iterkeys(), 1):
                yield _source(f"{path.name} #{number}"), partial(box.get_bytes, key)
        finally:
            box.close()


def _source(name: str) -> str:
    return _clean(name, _LENGTH["source"])


def _import_one(source: str, load: Callable[[], bytes]) -> tuple[str, ReportedMessage | None, str]:
    """Returns (the count the message adds to, its row or None, a problem or "")."""
    try:
        raw = load()
    except OSError as exc:
        error = exc.strerror or type(exc).__name__
        return "unreadable", None, _("could not be read (%(error)s)") % {"error": error}
    digest = hashlib.sha256(raw).hexdigest()
    if ReportedMessage.objects.filter(digest=digest).exists():
        return "already_imported", None, ""
    report, problem = None, ""
    try:
        report = _read(raw)
    except Unreadable as exc:
        problem = str(exc)
    except Exception as exc:  # the email package can fail in unforeseen ways on hostile input
        logger.warning("%s: could not be parsed", source, exc_info=True)
        problem = _("could not be parsed (%(error)s)") % {"error": type(exc).__name__}
    try:
        with transaction.atomic():
            if report is None:
                outcome, row = "unreadable", _file_unreadable(problem, digest, source)
            else:
                outcome, row = _file(report, digest, source)
    except IntegrityError:  # the digest: another import filed the same message meanwhile
        return "already_imported", None, ""
    except DatabaseError as exc:
        logger.warning("%s: could not be stored", source, exc_info=True)
        return (
            "unreadable",
            None,
            _("could not be stored (%(error)s)") % {"error": type(exc).__name__},
        )
    return outcome, row, problem


# --- filing one message (inside its transaction) ---------------------------------------------


def _file_unreadable(problem: str, digest: str, source: str) -> ReportedMessage:
    return ReportedMessage.objects.create(
        digest=digest,
        kind=ReportedMessage.Kind.UNREADABLE,
        problem=problem[: _LENGTH["problem"]],
        source=source,
    )


def _file(report: _Report, digest: str, source: str) -> tuple[str, ReportedMessage]:
    """Record the report of a simulation, or keep the message as real; returns the count it
    adds to and its row."""
    common = {
        "digest": digest,
        "reporter": report.reporter,
        "organisation_id": _organisation_id(report.reporter),
        "source": source,
    }
    found = _simulation(report.candidates)
    if found is None:
        message = report.suspicious
        row = ReportedMessage.objects.create(
            **common,
            kind=ReportedMessage.Kind.REAL,
            sender=_sender(message, report.reporter),
            subject=message.subject,
            message_id=message.message_id,
            reported_at=_clamp(report.date),
            attachments=report.attachments,
            urls=report.urls,
        )
        return "real", row
    send, message = found
    at = _clamp(report.date, earliest=send.sent_at)
    record_hit(send.token, Event.Kind.REPORT, ["mailbox"], at=at)
    row = ReportedMessage.objects.create(
        **common,
        kind=ReportedMessage.Kind.SIMULATION,
        send=send,
        campaign_id=send.campaign_id,
        sender=_sender(message, report.reporter),
        subject=message.subject,
        message_id=message.message_id,
        reported_at=at,
    )
    return ("simulation_repeat" if send.reported_at else "simulation_new"), row


def _simulation(candidates: list[_Message]) -> tuple[Send, _Message] | None:
    """The first candidate that is one of our sends (by Message-ID, else by the first of its
    tracking links that exists), with the send rows locked so new and repeat are told apart."""
    sends = Send.objects.select_for_update().only(
        "message_id", "token", "campaign_id", "sent_at", "reported_at"
    )
    ids = {c.message_id for c in candidates if c.message_id}
    # Descending, so that the oldest send wins should a Message-ID ever repeat.
    by_id = {s.message_id: s for s in sends.filter(message_id__in=ids).order_by("-pk")}
    tokens = {t for c in candidates for t in c.tokens}
    by_token = {s.token: s for s in sends.filter(token__in=tokens)}
    for candidate in candidates:
        send = by_id.get(candidate.message_id) or next(
            (by_token[t] for t in candidate.tokens if t in by_token), None
        )
        if send is not None:
            return send, candidate
    return None


def _organisation_id(reporter: str) -> int | None:
    if not reporter:
        return None
    people = Person.objects.filter(email__iexact=reporter)
    return people.values_list("organisation_id", flat=True).first()


def _sender(message: _Message, reporter: str) -> str:
    """The From header, or only its address when it is the reporter's (a message forwarded
    inline): the reporter's name is never stored."""
    if reporter and message.sender_address == reporter:
        return reporter
    return message.sender


def _clamp(at: datetime | None, earliest: datetime | None = None) -> datetime:
    """The Date header, not in the future nor (for a simulation) before it was sent."""
    now = timezone.now()
    at = min(at or now, now)
    return max(at, earliest) if earliest else at


# --- reading one message (no database) -------------------------------------------------------


def _read(raw: bytes) -> _Report:
    if not raw.strip():
        raise Unreadable(_("empty message"))
    message = _parser.parsebytes(raw)
    if not any(name in message for name in IDENTIFYING_HEADERS):
        raise Unreadable(_("no From, Subject, Message-ID or Date header"))
    messages = [message]
    for attached in _attached(message):
        messages += [attached, *_attached(attached)]
        if len(messages) >= MAX_CANDIDATES:
            break
    messages = messages[:MAX_CANDIDATES]
    suspicious = 1 if len(messages) > 1 else 0  # the first attached message, else itself
    candidates, urls = [], []
    for index, candidate in enumerate(messages):
        texts = list(_texts(candidate))
        candidates.append(_keep(candidate, texts))
        if index == suspicious:
            urls = _urls(texts)
    return _Report(
        # Resent-From: a message redirected to the mailbox keeps the suspicious sender in From.
        reporter=_address(message, "Resent-From") or _address(message, "From"),
        date=_date(message),
        candidates=candidates,
        suspicious=candidates[suspicious],
        attachments=_attachment_names(messages[suspicious]),
        urls=urls,
    )


def _keep(message: Message, texts: list[tuple[bool, str]]) -> _Message:
    return _Message(
        sender=_clean(_decoded(_raw(message, "From")), _LENGTH["sender"]),
        sender_address=_address(message, "From"),
        subject=_clean(_decoded(_raw(message, "Subject")), _LENGTH["subject"]),
        message_id=_message_id(message),
        tokens=_tokens(texts),
    )


def _parts(message: Message) -> Iterator[Message]:
    """The message and its MIME parts, depth first, without entering attached messages."""
    stack = [message]
    while stack:
        part = stack.pop()
        yield part
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            stack.extend(reversed(part.get_payload()))


def _attached(message: Message) -> Iterator[Message]:
    """The messages attached to this one: message/rfc822 parts and ``*.eml`` files."""
    for part in _parts(message):
        if part.get_content_type() == "message/rfc822" and part.is_multipart():
            yield from part.get_payload()[:1]
        elif _filename(part).lower().endswith(".eml") and not part.is_multipart():
            data = part.get_payload(decode=True)
            if data:
                yield _parser.parsebytes(data)


def _texts(message: Message) -> Iterator[tuple[bool, str]]:
    """(is HTML, decoded text) of the message's own text/plain and text/html parts."""
    for part in _parts(message):
        if part.get_content_type() not in ("text/plain", "text/html") or part.is_multipart():
            continue
        if len(part.get_payload()) > SCAN_LIMIT:
            continue
        data = part.get_payload(decode=True) or b""
        charset = part.get_content_charset("utf-8")
        try:
            text = data.decode(charset, "replace")
        except (LookupError, UnicodeError):  # an unknown or non-text "charset"
            text = data.decode("utf-8", "replace")
        yield part.get_content_subtype() == "html", text


def _tokens(texts: Iterable[tuple[bool, str]]) -> list[str]:
    found: dict[str, None] = {}
    for _html, text in texts:
        for match in _TOKEN.finditer(text):
            found.setdefault(match.group(1))
            if len(found) == MAX_TOKENS:
                return list(found)
    return list(found)


def _urls(texts: Iterable[tuple[bool, str]]) -> list[str]:
    found: dict[str, None] = {}
    for is_html, text in texts:
        for match in _URL.finditer(text):
            url = match.group().rstrip(".,;:!?)]}")
            found.setdefault(_clean(html.unescape(url) if is_html else url, URL_LENGTH))
            if len(found) == MAX_URLS:
                return list(found)
    return list(found)


def _attachment_names(message: Message) -> list[str]:
    names = []
    for part in _parts(message):
        name = _clean(_decoded(_filename(part)), NAME_LENGTH)
        if name:
            names.append(name)
            if len(names) == MAX_ATTACHMENTS:
                break
    return names


def _filename(part: Message) -> str:
    return str(part.get_filename() or "")[:HEADER_LIMIT]


# --- header values ---------------------------------------------------------------------------


def _raw(message: Message, name: str) -> str:
    """The first ``name`` header as filed (8-bit bytes as surrogate escapes), or ""."""
    name = name.lower()
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)[:HEADER_LIMIT]
    return ""


def _decoded(value: str) -> str:
    """RFC 2047 encoded words and raw UTF-8 decoded. Parsed as unstructured text whatever the
    header is, which never raises on a malformed address."""
    try:
        return str(policy.default.header_fetch_parse("subject", value))
    except Exception:  # the email package can fail in unforeseen ways on hostile input
        return value


def _address(message: Message, name: str) -> str:
    """The first e-mail address in a header, lower-case, or ""."""
    for _name, address in getaddresses([_raw(message, name)]):
        if _ADDRESS.fullmatch(address):
            return _clean(address, _LENGTH["reporter"]).lower()
    return ""


def _message_id(message: Message) -> str:
    """Without any whitespace (the header may be folded), as ``Send.message_id`` keeps it."""
    value = _clean(_raw(message, "Message-ID"), HEADER_LIMIT)
    return "".join(value.split())[: _LENGTH["message_id"]]


def _date(message: Message) -> datetime | None:
    try:
        at = parsedate_to_datetime(_raw(message, "Date"))
        return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _clean(value: str, limit: int) -> str:
    """One line without control characters, valid Unicode (no database takes lone surrogates),
    at most ``limit`` characters."""
    try:
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes
        value = value.encode("utf-8", "replace").decode("utf-8")
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]
