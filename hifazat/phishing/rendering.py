"""Rendering simulated e-mails from operator-written templates, safely.

Templates are staff input, so they never reach Django's ``Template()``. They are parsed by
Jinja2 and accepted only if they consist of text and bare placeholders from ``PLACEHOLDERS``
(no attribute access, filters, calls, tags, includes or imports), then rendered by Jinja2's
immutable sandbox with a context of plain strings: even a template that slipped past the check
could reach nothing but those strings.

Header values (subject, sender name, the person's name) are stripped of every line-breaking
character — CR, LF, NEL, the Unicode line and paragraph separators, other controls — before they
are used, so nobody's name can add a header.
"""

from __future__ import annotations

import base64
import re
import secrets
import unicodedata
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

PLACEHOLDERS = {
    "full_name": gettext_lazy("the person's full name"),
    "first_name": gettext_lazy("the person's first name"),
    "designation": gettext_lazy("the person's designation"),
    "organisation": gettext_lazy("the person's organisation"),
    "email": gettext_lazy("the person's e-mail address"),
    "link": gettext_lazy("the tracked link to the landing page"),
    "report_link": gettext_lazy(
        "the link that reports the e-mail (added at the end when the template does not use it)"
    ),
}

_env_html = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
_env_text = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
_env_html.globals.clear()
_env_text.globals.clear()

# Characters that could end a header line or confuse a mail client.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\ufeff]")


def header_safe(value: str) -> str:
    """One line, no control or separator characters, collapsed spaces."""
    value = _BREAKS.sub(" ", value or "")
    value = "".join(" " if unicodedata.category(ch) in ("Zl", "Zp", "Cc") else ch for ch in value)
    return " ".join(value.split())


def check(source: str, field: str) -> None:
    """Refuse anything in a template but text and known placeholders, naming the problem."""
    try:
        tree = _env_text.parse(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(
            {field: _("Line %(line)s: %(problem)s") % {"line": exc.lineno, "problem": exc.message}}
        ) from None
    allowed = ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
    for node in tree.iter_child_nodes():
        if isinstance(node, nodes.Output):
            for part in node.nodes:
                if isinstance(part, nodes.TemplateData):
                    continue
                if isinstance(part, nodes.Name) and part.name in PLACEHOLDERS:
                    continue
                what = part.name if isinstance(part, nodes.Name) else type(part).__name__
                raise ValidationError(
                    {
                        field: _(
                            "Line %(line)s: only these placeholders may be used: %(allowed)s "
                            "(found %(what)s)."
                        )
                        % {"line": part.lineno, "allowed": allowed, "what": what}
                    }
                )
        else:
            raise ValidationError(
                {
                    field: _(
                        "Line %(line)s: tags such as {%% … %%} are not allowed; only "
                        "placeholders: %(allowed)s."
                    )
                    % {"line": node.lineno, "allowed": allowed}
                }
            )


@dataclass(frozen=True)
class Compiled:
    """A variant's template, parsed once and rendered per person."""

    sender_name: object
    subject: object
    text: object
    html: object | None
    sender_address: str
    footer: str = ""  # the report line appended when the template has no {{ report_link }}

    @classmethod
    def of(cls, template) -> Compiled:
        for field in ("sender_name", "subject", "text", "html"):
            check(getattr(template, field) or "", field)
        footer = ""
        if "report_link" not in template.text + (template.html or ""):
            with translation.override(template.language or "en"):
                footer = _("Suspicious e-mail? Report it: %(link)s")
        return cls(
            footer=footer,
            sender_name=_env_text.from_string(template.sender_name),
            subject=_env_text.from_string(template.subject),
            text=_env_text.from_string(template.text),
            html=_env_html.from_string(template.html) if template.html else None,
            sender_address=template.sender_address,
        )


@dataclass(frozen=True)
class Addressee:
    """Whom a message is for when there is no person row (a removed person, a preview)."""

    email: str
    full_name: str = ""
    designation: str = ""


def context_for(
    person, organisation_name: str, link: str, report_link: str = ""
) -> dict[str, str]:
    full = header_safe(person.full_name)
    return {
        "full_name": full,
        "first_name": full.split(" ")[0] if full else "",
        "designation": header_safe(person.designation),
        "organisation": header_safe(organisation_name),
        "email": person.email,
        "link": link,
        "report_link": report_link or (link.rstrip("/") + "/r" if link.endswith("/") else link),
    }


def pixel(url: str) -> str:
    return f'<img src="{url}" width="1" height="1" alt="" style="display:none">'


def _header(value: str) -> str:
    """A header value: as is when plain ASCII, else RFC 2047 encoded words (CRLF folded)."""
    if value.isascii() and len(value) < 900:
        return value
    return Header(value, "utf-8", maxlinelen=76).encode(linesep="\r\n")


def _part(content_type: str, body: str) -> bytes:
    return (
        f"Content-Type: {content_type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes(body.encode("utf-8")).replace(b"\n", b"\r\n")


def build(
    compiled: Compiled,
    context: dict[str, str],
    to: str,
    message_id: str,
    pixel_url: str | None = None,
    subject_prefix: str = "",
) -> bytes:
    """The message as bytes ready for SMTP (CRLF line ends). Assembled directly rather than
    through ``email.message`` (ten times faster, which the sender's throughput depends on);
    the tests parse every message back with Python's e-mail parser."""
    subject = header_safe(subject_prefix + compiled.subject.render(context))
    sender = formataddr(
        (header_safe(compiled.sender_name.render(context)), compiled.sender_address),
        charset="utf-8",
    )
    head = (
        f"From: {sender}\r\n"
        f"To: {header_safe(to)}\r\n"
        f"Subject: {_header(subject)}\r\n"
        f"Date: {format_datetime(timezone.now())}\r\n"
        f"Message-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\n"
    ).encode()
    body = compiled.text.render(context)
    tail = ""
    if compiled.footer:
        line = compiled.footer % {"link": context["report_link"]}
        body = body.rstrip("\n") + "\n\n-- \n" + line + "\n"
        url = escape(context["report_link"])
        tail = (
            '<p style="font-size:12px;color:#555">'
            + escape(compiled.footer % {"link": "\x00"}).replace(
                "\x00", f'<a href="{url}">{url}</a>'
            )
            + "</p>"
        )
    text = _part("text/plain", body)
    if compiled.html is None:
        return head + text
    html = compiled.html.render(context)
    tail += pixel(pixel_url) if pixel_url else ""
    if tail:
        html = html.replace("</body>", tail + "</body>") if "</body>" in html else html + tail
    boundary = "=_hifazat_" + secrets.token_hex(12)
    return (
        head
        + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode()
        + f"--{boundary}\r\n".encode()
        + text
        + f"--{boundary}\r\n".encode()
        + _part("text/html", html)
        + f"--{boundary}--\r\n".encode()
    )


def new_message_id(domain: str) -> str:
    return make_msgid(domain=domain)
