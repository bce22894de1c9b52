"""The public endpoints a simulated e-mail leads to: the landing page, the open pixel, the
human-click beacon and the pretend form's submission.

Each does one indexed lookup of the token and at most one insert, and never loads the campaign,
so the pages stay fast while a campaign sends. An unknown token gets the same answer as a valid
one and records nothing. A token identifies a message, never a person's session: nothing here
signs anyone in or reads who is signed in. A submitted form is recorded only as the names of the
fields that were filled; the values are read by nobody and stored nowhere.
"""

from __future__ import annotations

import base64
import json
import time

from django.db import connection, transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hifazat.lib import markdown
from hifazat.orgs.access import PUBLIC, policy
from hifazat.phishing.models import Event, Send, Variant

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
FORM_FIELDS = ("username", "password")  # the pretend form's fields; only these names are kept
_CACHE_SECONDS = 60
REMEDIAL_COURSE = "remedial"  # the five-minute module the landing page leads to (curriculum/)
_pages: dict[int, tuple[float, dict]] = {}


# The send-row column that keeps the first time of each kind of event.
FIRST = {
    Event.Kind.OPEN: "opened_at",
    Event.Kind.CLICK: "clicked_at",
    Event.Kind.HUMAN: "human_at",
    Event.Kind.SUBMIT: "submitted_at",
    Event.Kind.REPORT: "reported_at",
}
_table_send = Send._meta.db_table
_table_event = Event._meta.db_table


def _hit_postgres(token: str, kind: str, at, fields: list[str]) -> tuple[int, int, int] | None:
    """Look the token up, record the event and the first time of its kind: one statement, one
    round trip (the endpoints' speed while a campaign sends depends on it). The second of two
    simultaneous first hits finds the column set and leaves it."""
    column = FIRST[kind]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH s AS (SELECT id, campaign_id, variant_id FROM {_table_send} WHERE token = %s),
            u AS (UPDATE {_table_send} t SET {column} = %s FROM s
                  WHERE t.id = s.id AND t.{column} IS NULL),
            e AS (INSERT INTO {_table_event} (send_id, campaign_id, kind, at, fields)
                  SELECT id, campaign_id, %s, %s, %s::jsonb FROM s)
            SELECT id, campaign_id, variant_id FROM s""",  # noqa: S608 - our own names
            [token, at, kind, at, json.dumps(fields)],
        )
        return cursor.fetchone()


def record_hit(
    token: str, kind: str, fields: list[str] | None = None, at=None
) -> tuple[int, int, int] | None:
    """Record that the message with this token was opened, fetched, clicked by a person,
    submitted or reported. Returns (send id, campaign id, variant id), or None for an unknown
    token (which records nothing)."""
    if len(token) > 64:
        return None
    at = at or timezone.now()
    fields = fields or []
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _hit_postgres(token, kind, at, fields)
    with transaction.atomic():
        found = Send.objects.filter(token=token).values_list("pk", "campaign_id", "variant_id")
        found = found.first()
        if found is not None:
            Event.objects.create(
                send_id=found[0], campaign_id=found[1], kind=kind, at=at, fields=fields
            )
            Send.objects.filter(pk=found[0], **{FIRST[kind] + "__isnull": True}).update(
                **{FIRST[kind]: at}
            )
    return found


def _default_page() -> dict:
    return {
        "language": translation.get_language() or "en",
        "has_form": False,
        "form_title": "",
        "form_intro": "",
        "title": _("This was a phishing simulation"),
        "body": markdown.render(
            _(
                "The message that brought you here was a practice e-mail from your "
                "organisation's cyber-security programme. Nothing was harmed.\n\n"
                "Next time, check the sender's address, hover over links before you click, "
                "and report suspicious e-mail to your IT section."
            )
        ),
        "red_flags": [],
        "impersonates": "",
    }


def landing_content(variant_id: int | None) -> dict:
    """A variant's landing page and its template's red flags, cached per process."""
    if variant_id is None:
        return _default_page()
    cached = _pages.get(variant_id)
    if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    variant = Variant.objects.select_related("landing", "template").get(pk=variant_id)
    page, template = variant.landing, variant.template
    content = {
        "language": page.language,
        "has_form": page.has_form,
        "form_title": page.form_title,
        "form_intro": page.form_intro,
        "title": page.title,
        "body": markdown.render(page.body),
        "red_flags": list(template.red_flags),
        "impersonates": template.impersonates,
    }
    _pages[variant_id] = (time.monotonic(), content)
    return content


def _page(request, token: str, content: dict, stage: str) -> HttpResponse:
    beacon_url = reverse("phishing:beacon", args=[token[:64]])
    with translation.override(content["language"]):
        response = render(
            request,
            "phishing/landing.html",
            {
                "c": content,
                "stage": stage,
                "token": escape(token[:64]),
                "beacon": "" if stage in ("report", "reported") else beacon_url,
                "submit": reverse("phishing:submit", args=[token[:64]]),
                "report": reverse("phishing:report", args=[token[:64]]),
                "rtl": content["language"] == "ur",
                "lesson": reverse("learning:course", args=[REMEDIAL_COURSE]),
            },
        )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@policy(PUBLIC)
@never_cache
@require_GET
def landing(request, token: str):
    found = record_hit(token, Event.Kind.CLICK)
    content = landing_content(found[2] if found else None)
    return _page(request, token, content, "form" if content["has_form"] else "lesson")


@policy(PUBLIC)
@csrf_exempt
@require_POST
def beacon(request, token: str):
    """The landing page's script calls this: the click was a person with a browser."""
    record_hit(token, Event.Kind.HUMAN)
    return HttpResponse(status=204)


@policy(PUBLIC)
@sensitive_post_parameters()
@csrf_exempt
@never_cache
@require_POST
def submit(request, token: str):
    """The pretend sign-in form: which fields were filled is kept, never what was typed."""
    filled = [name for name in FORM_FIELDS if request.POST.get(name)]
    found = record_hit(token, Event.Kind.SUBMIT, filled)
    content = landing_content(found[2] if found else None)
    return _page(request, token, content, "submitted")


@policy(PUBLIC)
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def report(request, token: str):
    """The "report this e-mail" link every simulation carries. Opening it asks for one click
    (link scanners fetch every link in a message, and must not count as reports); the click
    records the report and says that it was a simulation."""
    if request.method == "GET":
        found = Send.objects.filter(token=token[:64]).values_list("variant_id", flat=True).first()
        return _page(request, token, landing_content(found), "report")
    found = record_hit(token, Event.Kind.REPORT, ["link"])
    return _page(request, token, landing_content(found[2] if found else None), "reported")


@policy(PUBLIC)
@never_cache
@require_GET
def pixel(request, token: str):
    record_hit(token, Event.Kind.OPEN)
    return HttpResponse(PIXEL, content_type="image/gif")


@policy(PUBLIC)
@never_cache
@require_GET
def static_pixel(request):
    """The benchmark's baseline: the same answer without touching the database."""
    return HttpResponse(PIXEL, content_type="image/gif")
