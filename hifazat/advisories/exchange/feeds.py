"""Atom feeds of published advisories, within the TLP rules for feeds:

* :class:`PublicFeed` — TLP:CLEAR only, for anyone: title, link to the advisory page, summary
  text, first publication and last revision dates, the issuer as author; the 50 newest.
* :class:`GreenFeed` — for one signed-in person, identified by a personal feed token (a feed
  reader cannot sign in): TLP:CLEAR and TLP:GREEN **titles and links only**, no summary. Never
  AMBER, AMBER+STRICT or RED, even when the person may read them on the site.

Both read the published snapshot (``Advisory.live``), never the working copy, and require the
snapshot's label *and* the advisory's current label to qualify, so a revision in draft that
raises or lowers the label changes nothing in a feed until it is published. Withdrawn
advisories leave the feeds.

Routing (done in ``hifazat/advisories/urls.py``, not here)::

    from hifazat.advisories.exchange.feeds import GreenFeed, PublicFeed

    path("advisories/feed.atom", PublicFeed(), name="feed"),
    path("advisories/feed/<str:token>.atom", GreenFeed(), name="feed_personal"),

The personal route passes ``token`` to :meth:`GreenFeed.get_object`, which raises Http404 for
an unknown, revoked or malformed token, or one whose person is inactive. Both views are
anonymous by design (no session, no login redirect); the token is the credential, so the
personal feed is served ``Cache-Control: private, no-store`` and ``X-Robots-Tag: noindex``.
A page for signed-in people calls :func:`feed_token_create` to issue (or replace) their token
and shows it once; only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from hifazat.advisories import policy
from hifazat.advisories.models import Advisory, FeedToken, Revision, Tlp
from hifazat.audit.services import audit_record
from hifazat.orgs.models import Person

FEED_SIZE = 50
TOKEN_PREFIX = "hzf_"  # noqa: S105 - the public prefix of feed tokens, not a secret
TOKEN_MAX_LENGTH = 100


# --- feed tokens -----------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_token_create(person: Person) -> str:
    """A new personal feed token for ``person`` (shown once; only its SHA-256 is stored).
    Any earlier token of the person stops working."""
    if not policy.signed_in(person):
        raise PermissionDenied
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed_token, created = FeedToken.objects.update_or_create(
        person=person, defaults={"token_hash": _token_hash(token), "created_at": timezone.now()}
    )
    audit_record(
        actor=person,
        action="advisory.feed_token_created" if created else "advisory.feed_token_replaced",
        obj=feed_token,
        organisation_id=person.organisation_id,
    )
    return token


def person_for_feed_token(token) -> Person | None:
    """The active person whose feed token this is, or None."""
    if (
        not isinstance(token, str)
        or not token.startswith(TOKEN_PREFIX)
        or len(token) > TOKEN_MAX_LENGTH
    ):
        return None
    row = FeedToken.objects.select_related("person").filter(token_hash=_token_hash(token)).first()
    if row is None or not policy.signed_in(row.person):
        return None
    return row.person


# --- feeds -----------------------------------------------------------------------------------


def _feed_advisories(queryset: QuerySet[Advisory], labels: list[str]) -> QuerySet[Advisory]:
    """Published, not withdrawn advisories whose live snapshot and current label are in
    ``labels``, newest revision first."""
    first = Revision.objects.filter(advisory=OuterRef("pk")).order_by("number")
    return (
        queryset.filter(live__isnull=False, tlp__in=labels, live__snapshot__tlp__in=labels)
        .exclude(state=Advisory.State.WITHDRAWN)
        .select_related("live")
        .annotate(first_published=Subquery(first.values("published_at")[:1]))
        .order_by("-live__published_at", "-pk")[:FEED_SIZE]
    )


class _AdvisoryFeed(Feed):
    feed_type = Atom1Feed

    def link(self):
        return reverse("advisories:home")

    def item_title(self, item: Advisory):
        snap = item.live.snapshot
        return f"{snap['tracking_id']}: {snap['title']}"

    def item_link(self, item: Advisory):
        return reverse("advisories:detail", args=[item.pk])

    def item_guid(self, item: Advisory):
        return f"urn:uuid:{item.uid}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Advisory):
        return item.first_published or item.live.published_at

    def item_updateddate(self, item: Advisory):
        return item.live.published_at

    def item_author_name(self, item: Advisory):
        return item.live.snapshot["issuer"]

    def item_categories(self, item: Advisory):
        snap = item.live.snapshot
        return [f"TLP:{snap['tlp']}", snap["kind"], snap["severity"]]


class PublicFeed(_AdvisoryFeed):
    """TLP:CLEAR advisories, for anyone."""

    title = "Hifazat advisories (TLP:CLEAR)"
    subtitle = "Published TLP:CLEAR threat advisories"

    def items(self):
        return _feed_advisories(policy.visible_advisories(AnonymousUser()), [Tlp.CLEAR])

    def item_description(self, item: Advisory):
        # plain text: the feed generator escapes it
        return item.live.snapshot["summary"]


class GreenFeed(_AdvisoryFeed):
    """TLP:CLEAR and TLP:GREEN titles and links for the person holding a feed token."""

    title = "Hifazat advisories (TLP:CLEAR and TLP:GREEN titles)"
    subtitle = "TLP:GREEN: for the community, not for public channels. Titles only."

    def get_object(self, request, token=None, *args, **kwargs) -> Person:
        person = person_for_feed_token(token)
        if person is None:
            raise Http404
        return person

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def items(self, person: Person):
        labels = [Tlp.CLEAR, Tlp.GREEN]
        return _feed_advisories(policy.visible_advisories(person), labels)

    def item_title(self, item: Advisory):
        # the label goes directly before the information it covers
        return f"TLP:{item.live.snapshot['tlp']} {super().item_title(item)}"

    def item_description(self, item: Advisory):
        return None  # titles only: no <summary>
