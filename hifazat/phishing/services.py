"""Every write about phishing simulation. Each checks permission and writes the audit log in
the same transaction.

Safety rails: recipients come only from the people registry, within the operator's reach and
with an e-mail address in a domain their organisation (or an organisation above it) declares;
each campaign records who authorised it and the reference of the authorising letter; national
campaigns and campaigns using a template that impersonates a real government body need a second
operator's approval, and such templates a platform admin's sign-off; a running campaign can be
paused, resumed or stopped.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.audit.services import audit_record
from hifazat.lib import secretbox
from hifazat.orgs import access
from hifazat.orgs.models import Organisation, Person, email_in_domains, inherited
from hifazat.orgs.roles import Role
from hifazat.phishing import rendering, schedule, selectors
from hifazat.phishing.models import (
    Campaign,
    EmailTemplate,
    LandingPage,
    Send,
    SendingProfile,
    Variant,
)

TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters
BUSINESS_DAYS = [0, 1, 2, 3, 4]  # Monday to Friday

EMAIL_TAGS = {
    "a", "b", "blockquote", "br", "div", "em", "font", "h1", "h2", "h3", "h4", "hr", "i", "li",
    "ol", "p", "small", "span", "strong", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul", "center",
}  # fmt: skip
EMAIL_ATTRIBUTES = {
    "*": {"style", "align", "dir", "lang", "width", "height", "bgcolor", "valign"},
    "a": {"href", "title", "target"},
    "table": {"border", "cellpadding", "cellspacing", "role"},
    "font": {"color", "face", "size"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def clean_email_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=EMAIL_TAGS,
        attributes=EMAIL_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )


def _audit(actor, action: str, obj, data: dict | None = None) -> None:
    audit_record(actor=actor, action=action, obj=obj, data=data or {})


def _require_operator(actor) -> None:
    if not selectors.is_operator(actor):
        raise PermissionDenied


def _check_owner(actor, obj) -> None:
    """A new object's owner must be one the actor may choose; a changed one, theirs to change."""
    if obj.pk is None:
        if obj.organisation_id not in {
            o.pk if o else None for o in selectors.owner_choices(actor)
        }:
            raise PermissionDenied
        obj.created_by = actor
    elif not selectors.can_change(actor, type(obj).objects.get(pk=obj.pk)):
        raise PermissionDenied


# --- the library -----------------------------------------------------------------------------


@transaction.atomic
def template_save(*, actor, template: EmailTemplate) -> EmailTemplate:
    _require_operator(actor)
    _check_owner(actor, template)
    template.html = clean_email_html(template.html or "")
    template.red_flags = [f.strip() for f in template.red_flags if f and f.strip()]
    for name in ("sender_name", "subject", "text", "html"):
        rendering.check(getattr(template, name) or "", name)
    if template.difficulty not in range(1, 6):
        raise ValidationError({"difficulty": _("Difficulty is from 1 to 5.")})
    creating = template.pk is None
    if not creating:
        before = EmailTemplate.objects.get(pk=template.pk)
        fields = ("sender_name", "sender_address", "subject", "text", "html", "impersonates")
        if any(getattr(before, f) != getattr(template, f) for f in fields):
            template.signed_off_by, template.signed_off_at = None, None  # look again
    template.save()
    _audit(
        actor,
        "phishing.template_created" if creating else "phishing.template_changed",
        template,
        {"impersonates": template.impersonates},
    )
    return template


@transaction.atomic
def template_sign_off(*, actor, template: EmailTemplate) -> EmailTemplate:
    """A platform admin allows a template that impersonates a real body to be used."""
    if not access.has_role(actor, Role.PLATFORM_ADMIN):
        raise PermissionDenied
    if not template.impersonates:
        raise ValidationError(_("This template impersonates no one: it needs no sign-off."))
    template.signed_off_by, template.signed_off_at = actor, timezone.now()
    template.save(update_fields=["signed_off_by", "signed_off_at"])
    _audit(
        actor, "phishing.template_signed_off", template, {"impersonates": template.impersonates}
    )
    return template


@transaction.atomic
def landing_save(*, actor, page: LandingPage) -> LandingPage:
    _require_operator(actor)
    _check_owner(actor, page)
    if page.has_form and not page.form_title:
        raise ValidationError({"form_title": _("A pretend sign-in form needs a heading.")})
    creating = page.pk is None
    page.save()
    _audit(actor, "phishing.landing_created" if creating else "phishing.landing_changed", page)
    return page


@transaction.atomic
def profile_save(*, actor, profile: SendingProfile, password: str | None = None):
    """``password``: None keeps the stored one, "" removes it, anything else replaces it."""
    _require_operator(actor)
    _check_owner(actor, profile)
    if password is not None:
        profile.password_encrypted = secretbox.encrypt(password) if password else ""
    creating = profile.pk is None
    profile.save()
    _audit(
        actor,
        "phishing.profile_created" if creating else "phishing.profile_changed",
        profile,
        {
            "host": profile.host,
            "port": profile.port,
            "rate_per_minute": profile.rate_per_minute,
            "password_changed": password is not None,
        },
    )
    return profile


def rotate_credentials() -> int:
    """Re-encrypt every stored password with the first of CREDENTIALS_KEYS."""
    count = 0
    with transaction.atomic():
        for profile in SendingProfile.objects.select_for_update().exclude(password_encrypted=""):
            profile.password_encrypted = secretbox.rotate(profile.password_encrypted)
            profile.save(update_fields=["password_encrypted"])
            count += 1
        audit_record(
            actor=None, action="phishing.credentials_rotated", object_type="phishing.profile",
            data={"profiles": count},
        )  # fmt: skip
    return count


# --- campaigns -------------------------------------------------------------------------------


@dataclass
class Audience:
    orgs: list[Organisation] = field(default_factory=list)
    excluded_orgs: list[Organisation] = field(default_factory=list)
    excluded_people: list[Person] = field(default_factory=list)


def _all_in(qs, objects) -> bool:
    """Are all these objects in the queryset (one query)?"""
    pks = {o.pk for o in objects}
    return qs.filter(pk__in=pks).count() == len(pks)


def needs_approval(campaign: Campaign) -> bool:
    return campaign.is_national or campaign.variants.exclude(template__impersonates="").exists()


@transaction.atomic
def campaign_save(
    *,
    actor,
    campaign: Campaign,
    variants: list[tuple[EmailTemplate, LandingPage]],
    audience: Audience,
) -> Campaign:
    _require_operator(actor)
    _check_owner(actor, campaign)
    creating = campaign.pk is None
    if not creating:
        state = Campaign.objects.select_for_update().get(pk=campaign.pk).state
        if state not in (
            Campaign.State.DRAFT,
            Campaign.State.AWAITING_APPROVAL,
            Campaign.State.APPROVED,
        ):
            raise ValidationError(_("A campaign that has been launched cannot be changed."))
        # Any change sends it back to draft: an approval covers what was approved, no more.
        campaign.state = Campaign.State.DRAFT
        campaign.approved_by, campaign.approved_at, campaign.submitted_at = None, None, None
    if not variants:
        raise ValidationError(_("Choose at least one e-mail template and landing page."))
    if not (
        _all_in(selectors.library_visible_to(actor, EmailTemplate), [t for t, _p in variants])
        and _all_in(selectors.library_visible_to(actor, LandingPage), [p for _t, p in variants])
        and _all_in(selectors.orgs_in_reach(actor), audience.orgs + audience.excluded_orgs)
        and _all_in(selectors.people_in_reach(actor), audience.excluded_people)
    ):
        raise PermissionDenied
    if campaign.profile_id and not _all_in(
        selectors.library_visible_to(actor, SendingProfile), [campaign.profile]
    ):
        raise PermissionDenied
    if campaign.organisation_id:
        owner = Organisation.objects.get(pk=campaign.organisation_id)
        if any(not o.path.startswith(owner.path) for o in audience.orgs):
            raise ValidationError(
                _("A ministry's campaign can only reach that ministry's organisations.")
            )
    if campaign.send_by and campaign.send_by <= campaign.start_at:
        raise ValidationError({"send_by": _("'Send by' must be after the start.")})
    if campaign.grade_min and campaign.grade_max and campaign.grade_min > campaign.grade_max:
        raise ValidationError({"grade_max": _("The highest grade is below the lowest.")})
    if not campaign.business_days:
        campaign.business_days = list(BUSINESS_DAYS)
    campaign.save()
    campaign.audience_orgs.set(audience.orgs)
    campaign.excluded_orgs.set(audience.excluded_orgs)
    campaign.excluded_people.set(audience.excluded_people)
    campaign.variants.all().delete()
    Variant.objects.bulk_create(
        Variant(campaign=campaign, label=chr(ord("A") + i), template=t, landing=page)
        for i, (t, page) in enumerate(variants)
    )
    _audit(
        actor,
        "phishing.campaign_created" if creating else "phishing.campaign_changed",
        campaign,
        {
            "variants": [[t.pk, page.pk] for t, page in variants],
            "organisations": [o.code for o in audience.orgs],
        },
    )
    return campaign


@dataclass
class Resolved:
    people: list[tuple[int, str, int]]  # (person id, e-mail, organisation id)
    outside_domains: int
    by_org: Counter


def resolve_audience(campaign: Campaign) -> Resolved:
    """The people a campaign would reach now: active, in the audience organisations, within
    the grade and track filters, not excluded, with an e-mail in an allowed domain."""
    orgs = list(campaign.audience_orgs.all())
    if not orgs:
        return Resolved([], 0, Counter())
    if campaign.include_suborgs:
        q = reduce(or_, (o.subtree_q("org_") for o in orgs))
        qs = Person.objects.filter(q)
    else:
        qs = Person.objects.filter(organisation__in=orgs)
    qs = qs.filter(is_active=True)
    if campaign.organisation_id:  # a ministry's campaign never leaves its subtree
        owner = Organisation.objects.get(pk=campaign.organisation_id)
        qs = qs.filter(org_path__startswith=owner.path)
    if campaign.tracks:
        qs = qs.filter(track__in=campaign.tracks)
    if campaign.grade_min:
        qs = qs.filter(bps_grade__gte=campaign.grade_min)
    if campaign.grade_max:
        qs = qs.filter(bps_grade__lte=campaign.grade_max)
    for org in campaign.excluded_orgs.all():
        qs = qs.exclude(org_path__startswith=org.path)
    qs = qs.exclude(pk__in=campaign.excluded_people.values("pk"))
    domains = inherited("email_domains")
    people, outside, by_org = [], 0, Counter()
    for pk, email, org_id in qs.values_list("pk", "email", "organisation_id").order_by("pk"):
        if email_in_domains(email, domains.get(org_id) or []):
            people.append((pk, email, org_id))
            by_org[org_id] += 1
        else:
            outside += 1
    return Resolved(people, outside, by_org)


def launch_problems(campaign: Campaign) -> list[str]:
    problems = []
    if campaign.profile_id is None:
        problems.append(_("Choose a sending profile."))
    if not campaign.authorised_by or not campaign.authorisation_reference:
        problems.append(
            _("Record who authorised the campaign and the reference of the authorising letter.")
        )
    variants = list(campaign.variants.select_related("template"))
    if not variants:
        problems.append(_("Choose at least one e-mail template and landing page."))
    for v in variants:
        if v.template.needs_sign_off:
            problems.append(
                _(
                    "Template “%(name)s” impersonates %(body)s and needs a platform admin's "
                    "sign-off."
                )
                % {"name": v.template.name, "body": v.template.impersonates}
            )
    return problems


@transaction.atomic
def campaign_submit(*, actor, campaign: Campaign) -> Campaign:
    campaign = _locked(actor, campaign)
    if campaign.state != Campaign.State.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for approval."))
    problems = launch_problems(campaign)
    if problems:
        raise ValidationError(problems)
    campaign.state, campaign.submitted_at = Campaign.State.AWAITING_APPROVAL, timezone.now()
    campaign.save(update_fields=["state", "submitted_at"])
    _audit(actor, "phishing.campaign_submitted", campaign)
    return campaign


def can_approve(actor, campaign: Campaign) -> bool:
    if actor.pk in (campaign.created_by_id,):
        return False
    if campaign.is_national:
        return selectors.is_national_operator(actor)
    return selectors.can_change(actor, campaign)


@transaction.atomic
def campaign_approve(*, actor, campaign: Campaign) -> Campaign:
    """A second operator (never the one who built it) approves before launch."""
    campaign = _locked(actor, campaign)
    if campaign.state != Campaign.State.AWAITING_APPROVAL:
        raise ValidationError(_("This campaign is not waiting for approval."))
    if not can_approve(actor, campaign):
        raise PermissionDenied
    campaign.state = Campaign.State.APPROVED
    campaign.approved_by, campaign.approved_at = actor, timezone.now()
    campaign.save(update_fields=["state", "approved_by", "approved_at"])
    _audit(actor, "phishing.campaign_approved", campaign)
    return campaign


@transaction.atomic
def campaign_return(*, actor, campaign: Campaign, reason: str) -> Campaign:
    campaign = _locked(actor, campaign)
    if campaign.state not in (Campaign.State.AWAITING_APPROVAL, Campaign.State.APPROVED):
        raise ValidationError(_("This campaign is not waiting for approval."))
    campaign.state = Campaign.State.DRAFT
    campaign.approved_by, campaign.approved_at, campaign.submitted_at = None, None, None
    campaign.save(update_fields=["state", "approved_by", "approved_at", "submitted_at"])
    _audit(actor, "phishing.campaign_returned", campaign, {"reason": reason[:500]})
    return campaign


def _locked(actor, campaign: Campaign) -> Campaign:
    if not selectors.is_operator(actor):
        raise PermissionDenied
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not selectors.can_change(actor, locked):
        raise PermissionDenied
    return locked


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def plan(campaign: Campaign, people: list[tuple[int, str, int]], seed=None) -> list:
    """Each person's earliest send time (see ``schedule``)."""
    rng = random.Random(seed)  # noqa: S311 - spreading send times, not a secret
    start = max(campaign.start_at, timezone.now())
    if not campaign.send_by:
        return [start] * len(people)
    zones = schedule.org_time_zones()
    groups: dict[str, list[int]] = {}
    for i, (_pk, _email, org_id) in enumerate(people):
        groups.setdefault(zones.get(org_id, settings.TIME_ZONE), []).append(i)
    times: list = [None] * len(people)
    for zone, indexes in groups.items():
        windows = schedule.business_windows(
            start,
            campaign.send_by,
            zone,
            campaign.business_days or BUSINESS_DAYS,
            campaign.business_start,
            campaign.business_end,
        )
        if not windows:
            raise ValidationError(
                _(
                    "There are no business hours between the start and 'send by' in time zone "
                    "%(zone)s."
                )
                % {"zone": zone}
            )
        for i, at in zip(
            indexes,
            schedule.spread(len(indexes), windows, campaign.jitter_minutes, rng),
            strict=True,
        ):
            times[i] = at
    return times


@transaction.atomic
def campaign_launch(*, actor, campaign: Campaign, batch: int = 5000) -> Campaign:
    """Create one send row per recipient (each with its own unguessable token) and start."""
    campaign = _locked(actor, campaign)
    if needs_approval(campaign):
        if campaign.state != Campaign.State.APPROVED:
            raise ValidationError(_("This campaign needs a second operator's approval first."))
    elif campaign.state != Campaign.State.DRAFT:
        raise ValidationError(_("Only a draft can be launched."))
    problems = launch_problems(campaign)
    if problems:
        raise ValidationError(problems)
    resolved = resolve_audience(campaign)
    if not resolved.people:
        raise ValidationError(_("The audience is empty: nobody would receive this campaign."))
    variants = list(campaign.variants.all())
    rng = random.Random()  # noqa: S311 - assigning variants
    times = plan(campaign, resolved.people)
    rows = [
        Send(
            campaign=campaign,
            variant=rng.choice(variants),
            person_id=pk,
            email=email,
            organisation_id=org_id,
            token=new_token(),
            not_before=at,
        )
        for (pk, email, org_id), at in zip(resolved.people, times, strict=True)
    ]
    Send.objects.bulk_create(rows, batch_size=batch)
    campaign.state = Campaign.State.RUNNING
    campaign.launched_by, campaign.launched_at = actor, timezone.now()
    campaign.recipient_count = len(rows)
    campaign.save(update_fields=["state", "launched_by", "launched_at", "recipient_count"])
    _audit(
        actor,
        "phishing.campaign_launched",
        campaign,
        {
            "recipients": len(rows),
            "outside_allowed_domains": resolved.outside_domains,
            "authorised_by": campaign.authorised_by,
            "authorisation_reference": campaign.authorisation_reference,
            "approved_by": campaign.approved_by_id,
        },
    )
    return campaign


@transaction.atomic
def campaign_pause(*, actor, campaign: Campaign) -> Campaign:
    campaign = _locked(actor, campaign)
    if campaign.state != Campaign.State.RUNNING:
        raise ValidationError(_("Only a running campaign can be paused."))
    campaign.state = Campaign.State.PAUSED
    campaign.save(update_fields=["state"])
    _audit(actor, "phishing.campaign_paused", campaign)
    return campaign


@transaction.atomic
def campaign_resume(*, actor, campaign: Campaign) -> Campaign:
    campaign = _locked(actor, campaign)
    if campaign.state != Campaign.State.PAUSED:
        raise ValidationError(_("Only a paused campaign can be resumed."))
    campaign.state = Campaign.State.RUNNING
    campaign.save(update_fields=["state"])
    _audit(actor, "phishing.campaign_resumed", campaign)
    return campaign


@transaction.atomic
def campaign_stop(*, actor, campaign: Campaign) -> Campaign:
    """Stop for good: every message not yet handed to a worker's SMTP transaction is cancelled."""
    campaign = _locked(actor, campaign)
    if campaign.state not in (Campaign.State.RUNNING, Campaign.State.PAUSED):
        raise ValidationError(_("Only a running or paused campaign can be stopped."))
    cancelled = Send.objects.filter(
        campaign=campaign, state__in=[Send.State.QUEUED, Send.State.CLAIMED]
    ).update(state=Send.State.CANCELLED, worker="", lease_until=None)
    campaign.state, campaign.finished_at = Campaign.State.STOPPED, timezone.now()
    campaign.save(update_fields=["state", "finished_at"])
    _audit(actor, "phishing.campaign_stopped", campaign, {"cancelled": cancelled})
    return campaign


def test_send(*, actor, campaign: Campaign) -> None:
    """Queue one message of each variant to the operator themself (no send row, no tracking)."""
    if not selectors.can_change(actor, campaign):
        raise PermissionDenied
    if campaign.profile_id is None:
        raise ValidationError(_("Choose a sending profile."))
    from hifazat.phishing.tasks import send_test_messages

    with transaction.atomic():
        _audit(actor, "phishing.test_sent", campaign, {"to": actor.email})
        transaction.on_commit(
            lambda: send_test_messages.enqueue(campaign_id=campaign.pk, person_id=actor.pk)
        )
