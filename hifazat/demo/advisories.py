"""Demo advisories: a year of NTISB and National CERT advisories (written for Hifazat, in
``demo/data/advisories.yaml``), published through the real workflow by the demo's author,
reviewer and publisher, then dated back to their publication day, with every organisation's
response in a realistic state — some verified, some in progress, some overdue."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from importlib import resources

import yaml
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from hifazat.advisories import fields, services
from hifazat.advisories.models import (
    Advisory,
    Delivery,
    MeasureResponse,
    Recipient,
    Revision,
    SharingGroup,
)
from hifazat.orgs.models import Organisation, Person, RoleAssignment
from hifazat.orgs.roles import Role


def read() -> list[dict]:
    text = (
        resources.files("hifazat.demo")
        .joinpath("data/advisories.yaml")
        .read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


def _team(code: str) -> dict | None:
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        return None
    team = {}
    for role in (Role.ADVISORY_AUTHOR, Role.ADVISORY_REVIEWER, Role.ADVISORY_PUBLISHER):
        a = (
            RoleAssignment.objects.current()
            .filter(role=role, organisation=org)
            .select_related("person")
            .first()
        )
        if a is None:
            return None
        team[role] = a.person
    return {"org": org, **team}


def _ensure_team(code: str, fallback: dict) -> dict:
    """National CERT's own team: three of its staff get the advisory roles (no new people);
    without three staff its advisories are published by NTISB's team."""
    team = _team(code)
    if team:
        return team
    org = Organisation.objects.filter(code=code).first()
    staff = (
        list(Person.objects.filter(organisation=org, is_active=True).order_by("pk")[:3])
        if org
        else []
    )
    if len(staff) < 3:
        return fallback
    for person, role in zip(
        staff, (Role.ADVISORY_AUTHOR, Role.ADVISORY_REVIEWER, Role.ADVISORY_PUBLISHER), strict=True
    ):
        RoleAssignment.objects.get_or_create(person=person, role=role, organisation=org)
    return _team(code) or fallback


def load_advisories(stdout=None, *, rng_seed: int = 2026) -> int:
    if Advisory.objects.exists():
        if stdout:
            stdout.write("Advisories: already loaded")
        return 0
    ntisb = _team("NTISB")
    if ntisb is None:
        if stdout:
            stdout.write("Advisories: skipped (no NTISB advisory team)")
        return 0
    rng = random.Random(rng_seed)
    federal, _ = SharingGroup.objects.get_or_create(
        name="All federal ministries and divisions",
        defaults={
            "description": "Every federal ministry and division with its attached departments",
            "include_children": True,
        },
    )
    federal.organisations.set(
        Organisation.objects.filter(kind__in=["ministry", "division"], parent__isnull=True)
    )
    count = 0
    # No mail and no queued work while loading: the demo shows the state, it does not replay it.
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            TASKS={
                "default": {
                    "BACKEND": "django_tasks.backends.dummy.DummyBackend",
                    "QUEUES": ["default"],
                }
            },
        ),
        transaction.atomic(),
    ):
        for item in sorted(read(), key=lambda i: str(i["published"])):
            team = ntisb if item["issuer"] == "NTISB" else _ensure_team(item["issuer"], ntisb)
            if team is None:
                continue
            _load_one(item, team, federal, rng)
            count += 1
        Delivery.objects.filter(status=Delivery.Status.QUEUED).update(status=Delivery.Status.SENT)
        _past_escalations()
    if stdout:
        states = {
            s: Recipient.objects.filter(state=s).count()
            for s in ("verified", "implemented", "in_progress", "acknowledged")
        }
        overdue = sum(1 for r in Recipient.objects.select_related("advisory") if r.overdue())
        stdout.write(
            f"Advisories: {count} published, {Recipient.objects.count()} recipient rows ({states}), {overdue} overdue"
        )
    return count


def _load_one(item: dict, team: dict, federal: SharingGroup, rng: random.Random) -> None:
    published = timezone.make_aware(
        datetime.combine(item["published"], time(10, rng.randint(0, 59)))
    )
    audience = str(item.get("audience", "all"))
    organisations, people = [], []
    kind = Advisory.Audience.ALL
    if audience.startswith("group:"):
        kind = Advisory.Audience.GROUP
    elif audience.startswith("orgs:"):
        kind = Advisory.Audience.ORGANISATIONS
        organisations = list(Organisation.objects.filter(code__in=audience[5:].split(",")))
    elif audience == "people":
        kind = Advisory.Audience.PEOPLE
        people = list(
            Person.objects.filter(role_assignments__role__in=[Role.FOCAL_PERSON, Role.HEAD])
            .distinct()
            .order_by("pk")[:3]
        )
    advisory = Advisory(
        issuer=team["org"],
        title=item["title"],
        kind=item["kind"],
        severity=item["severity"],
        tlp=item["tlp"],
        reference_no=item.get("reference_no", ""),
        summary=item["summary"].strip(),
        background=item.get("background", "").strip(),
        audience=kind,
        sharing_group=federal if kind == Advisory.Audience.GROUP else None,
        include_children=item.get("include_children", True),
        ack_due=published + timedelta(days=item.get("ack_days", 3)),
        act_due=published + timedelta(days=item.get("act_days", 14)),
    )
    measures = [
        {
            "number": n,
            "text": m["text"],
            "mandatory": m.get("mandatory", True),
            "evidence_required": m.get("evidence", False),
        }
        for n, m in enumerate(item["measures"], start=1)
    ]
    parsed = {
        "indicators": fields.parse_indicators(
            "\n".join(item.get("indicators") or []), item["tlp"]
        ),
        "vulnerabilities": fields.parse_vulnerabilities(
            "\n".join(item.get("vulnerabilities") or [])
        ),
        "products": fields.parse_products("\n".join(item.get("products") or [])),
        "references": fields.parse_references("\n".join(item.get("references") or [])),
    }
    problems = [e for p in parsed.values() for e in p.errors]
    if problems:
        raise ValueError(f"{item['title']}: {problems}")
    advisory = services.advisory_save(
        actor=team[Role.ADVISORY_AUTHOR],
        advisory=advisory,
        parts=services.Parts(measures=measures, **{k: v.items for k, v in parsed.items()}),
        organisations=organisations,
        people=people,
    )
    # numbered in the year it was published
    _renumber(advisory, published)
    services.advisory_submit(actor=team[Role.ADVISORY_AUTHOR], advisory=advisory)
    services.advisory_review(actor=team[Role.ADVISORY_REVIEWER], advisory=advisory, approve=True)
    advisory = services.advisory_publish(actor=team[Role.ADVISORY_PUBLISHER], advisory=advisory)
    Revision.objects.filter(advisory=advisory).update(published_at=published)
    snapshot = advisory.live.snapshot
    snapshot.update(
        published_at=published.isoformat(),
        tracking_id=advisory.tracking_id,
        human_number=str(advisory.human_number),
    )
    Revision.objects.filter(pk=advisory.live_id).update(snapshot=snapshot)
    recipient_ids = list(Recipient.objects.filter(advisory=advisory).values_list("pk", flat=True))
    Delivery.objects.filter(recipient_id__in=recipient_ids).update(
        created_at=published,
        sent_at=published,
        # in-app notices of older advisories have been seen
        read_at=published + timedelta(days=1) if (timezone.now() - published).days > 10 else None,
    )
    _responses(advisory, published, rng)


def _renumber(advisory: Advisory, published) -> None:
    taken = Advisory.objects.filter(issuer=advisory.issuer, year=published.year)
    number = max(taken.exclude(pk=advisory.pk).values_list("number", flat=True), default=0) + 1
    tracking = f"{advisory.issuer.code}-ADV-{published.year}-{number:03d}"
    Advisory.objects.filter(pk=advisory.pk).update(
        year=published.year, number=number, tracking_id=tracking
    )
    advisory.year, advisory.number, advisory.tracking_id = published.year, number, tracking


def _responses(advisory: Advisory, published, rng: random.Random) -> None:
    """Older advisories are mostly closed; recent ones still open; a few organisations slip."""
    now = timezone.now()
    age = (now - published).days
    measures = advisory.live.snapshot["measures"]
    for recipient in Recipient.objects.filter(advisory=advisory).select_related(
        "organisation", "person"
    ):
        responder = (
            services.responders(recipient.organisation)
            if recipient.organisation_id
            else [recipient.person]
        )
        actor = responder[0] if responder else None  # the demo's people hold few roles
        roll = rng.random()
        if age < 3 and roll < 0.5:
            continue  # just out: not everyone has looked yet
        if roll < 0.08:
            continue  # never acknowledged: overdue
        ack_at = published + timedelta(hours=rng.randint(1, 60))
        Recipient.objects.filter(pk=recipient.pk).update(
            state=Recipient.State.ACKNOWLEDGED,
            acknowledged_at=ack_at,
            acknowledged_by=actor,
            first_viewed_at=ack_at,
            first_viewed_by=actor,
        )
        if roll < 0.2 or age < 7:
            continue  # acknowledged, nothing reported yet
        for m in measures if actor else []:
            MeasureResponse.objects.create(
                recipient=recipient,
                measure_number=m["number"],
                status=MeasureResponse.Status.DONE
                if roll > 0.3
                else MeasureResponse.Status.IN_PROGRESS,
                note="Done and recorded in the IT section's change register.",
                updated_by=actor,
                updated_at=ack_at + timedelta(days=2),
            )
        if roll < 0.3:
            Recipient.objects.filter(pk=recipient.pk).update(state=Recipient.State.IN_PROGRESS)
            continue
        submitted = min(ack_at + timedelta(days=rng.randint(2, 12)), now)
        state = Recipient.State.IMPLEMENTED if roll < 0.85 else Recipient.State.PARTIAL
        verified = roll < 0.7 and age > 20
        Recipient.objects.filter(pk=recipient.pk).update(
            state=Recipient.State.VERIFIED if verified else state,
            outcome=state,
            submitted_at=submitted,
            submitted_by=actor,
            justification=""
            if state == Recipient.State.IMPLEMENTED
            else "Two regional offices still run the old version; replacement ordered.",
            verified_at=submitted + timedelta(days=2) if verified else None,
        )


def _past_escalations() -> None:
    """The reminders and escalations the history would already have had are recorded as sent,
    so the worker's first round does not mail a year of them at once."""
    from hifazat.advisories.models import Escalation
    from hifazat.advisories.tasks import steps_due

    now = timezone.now()
    rows = [
        Escalation(recipient=r, step=step, claimed_at=now, sent_at=now)
        for r in Recipient.objects.exclude(state__in=Recipient.FINAL).select_related("advisory")
        for step in steps_due(r, now)
    ]
    Escalation.objects.bulk_create(rows, ignore_conflicts=True)
