"""A small hand-built data set whose right answers are worked out by hand in the tests.

Organisations (the shared ``orgs`` fixture): ministry A → division A → department A; ministry
B → division B; ministry C (nobody, nothing: "no data").

* Department A: a1–a4 (general), t1, t2 (IT administrators), x (deactivated).
  Division A itself: d1 (general), d2 (IT administrator). Division B: b1.
* Certificates: a1 basic; a2 basic expiring in 30 days; a3 basic expired; a4 basic revoked;
  t1 basic and advanced (advanced expiring in 50 days); x basic (inactive); d1 basic.
* Tests: a1 pre 40, finals 60 and 80; a2 pre 100, final 100; t1 pre 50, final 75; a3 pre only.
* Labs (L1 worth 100, L2 worth 50): t1 finished L1 with 75; t2 finished L2 with 25 and is
  still on L1; a1 (general) finished L1 with 90.
* Phishing: P0 (400 days ago: outside the year) a1 clicked. P1 (60 days ago): a1 human click,
  a2 reported after 30 min, a3 reported after 90 min, a4 nothing, t1 not delivered, d1 clicked
  and submitted, b1 reported after 5 min. P2 (10 days ago, pseudonymous): a1 and d1 clicked,
  a2 nothing. P3 (5 days ago): d1 clicked.
* Advisories: V1 (published 20 days ago, act-by yesterday): department A acknowledged after
  2 h and implemented; division A acknowledged after 10 h, nothing since (overdue action);
  division B never acknowledged (overdue). V2 (3 days ago, deadlines ahead): department A
  viewed it. V3 withdrawn: department A (ignored).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from hifazat.advisories.models import Advisory, Recipient, Revision
from hifazat.assessments.models import Attempt
from hifazat.labs.models import Lab, LabAttempt
from hifazat.learning.models import Certificate, Course, CourseVersion, Enrolment
from hifazat.orgs.models import Person
from hifazat.phishing.models import Campaign, EmailTemplate, LandingPage, Send, Variant
from tests.factories import make_person

_tokens = iter(range(10**6))


def _course(slug, audience):
    course = Course.objects.create(slug=slug, title=slug.title(), audience=audience)
    version = CourseVersion.objects.create(
        course=course, number=1, content_hash=slug, title=slug.title(), languages=["en"]
    )
    course.current_version = version
    course.save(update_fields=["current_version"])
    return course


def _enrol(person, course, status="completed"):
    return Enrolment.objects.create(
        person=person, course=course, version=course.current_version, status=status
    )


def _cert(person, course, issued_days_ago, expires_in_days, revoked=False):
    now = timezone.now()
    return Certificate.objects.create(
        person=person,
        course=course,
        version=course.current_version,
        enrolment=_enrol(person, course),
        full_name=person.full_name,
        issued_at=now - timedelta(days=issued_days_ago),
        expires_at=now + timedelta(days=expires_in_days),
        revoked_at=now - timedelta(days=1) if revoked else None,
    )


def _attempt(enrolment, kind, number, score, submitted=True):
    now = timezone.now()
    return Attempt.objects.create(
        enrolment=enrolment,
        kind=kind,
        number=number,
        qids=[],
        deadline=now,
        submitted_at=now - timedelta(days=1) if submitted else None,
        score=Decimal(score),
        passed=score >= 70,
    )


def _send(campaign, person, *, delivered=True, human=False, submitted=False, reported=None):
    sent = campaign.launched_at + timedelta(minutes=1)
    return Send.objects.create(
        campaign=campaign,
        variant=campaign.variants.first(),
        person=person,
        email=person.email,
        organisation=person.organisation,
        token=f"tok{next(_tokens)}",
        not_before=campaign.launched_at,
        state=Send.State.SENT if delivered else Send.State.FAILED,
        sent_at=sent if delivered else None,
        human_at=sent + timedelta(minutes=3) if human else None,
        clicked_at=sent + timedelta(minutes=3) if human else None,
        submitted_at=sent + timedelta(minutes=4) if submitted else None,
        reported_at=sent + timedelta(minutes=reported) if reported is not None else None,
    )


def _campaign(name, days_ago, template, landing, pseudonymous=False):
    at = timezone.now() - timedelta(days=days_ago)
    campaign = Campaign.objects.create(
        name=name,
        start_at=at,
        launched_at=at,
        state=Campaign.State.COMPLETED,
        pseudonymous=pseudonymous,
    )
    Variant.objects.create(campaign=campaign, label="A", template=template, landing=landing)
    return campaign


def _advisory(n, issuer, author, published_days_ago, ack_due, act_due, state="published"):
    now = timezone.now()
    advisory = Advisory.objects.create(
        issuer=issuer,
        year=2026,
        number=n,
        tracking_id=f"TEST-2026-{n:04d}",
        title=f"Cyber Security Advisory – Test {n}",
        kind=Advisory.Kind.THREAT,
        severity=Advisory.Severity.HIGH,
        tlp="CLEAR",
        published_tlp="CLEAR",
        summary="Test.",
        audience=Advisory.Audience.ORGANISATIONS,
        ack_due=ack_due,
        act_due=act_due,
        state=state,
        created_by=author,
    )
    Revision.objects.create(
        advisory=advisory,
        number=1,
        snapshot={},
        published_at=now - timedelta(days=published_days_ago),
        author=author,
        approved_by=author,
        published_by=author,
    )
    return advisory


def build(orgs) -> dict:
    dep, div, div_b = orgs["dep_a"], orgs["div_a"], orgs["div_b"]
    now = timezone.now()
    p = {}
    for name in ("a1", "a2", "a3", "a4"):
        p[name] = make_person(f"Person {name.upper()}", dep)
    p["t1"] = make_person("Tariq One", dep, track="it_admin")
    p["t2"] = make_person("Tahira Two", dep, track="it_admin")
    p["x"] = make_person(
        "Xavier Gone", dep, is_active=False, deactivated_at=now - timedelta(days=1)
    )
    p["d1"] = make_person("SENTINEL-REPEAT-D1 Dawood", div)
    p["d2"] = make_person("Dua Two", div, track="it_admin")
    p["b1"] = make_person("Bilal Bravo", div_b)

    Person.objects.update(date_joined=now - timedelta(days=730))  # on the platform two years
    basic, advanced = _course("basic", "all_staff"), _course("advanced", "it_admin")
    _cert(p["a1"], basic, 100, 265)
    _cert(p["a2"], basic, 335, 30)
    _cert(p["a3"], basic, 400, -35)
    _cert(p["a4"], basic, 100, 265, revoked=True)
    _cert(p["t1"], basic, 100, 265)
    _cert(p["t1"], advanced, 315, 50)
    _cert(p["x"], basic, 100, 265)
    _cert(p["d1"], basic, 60, 300)

    e = _enrol(p["a1"], basic, "active")
    _attempt(e, "pre", 1, 40)
    _attempt(e, "final", 1, 60)
    _attempt(e, "final", 2, 80)
    e = _enrol(p["a2"], basic, "active")
    _attempt(e, "pre", 1, 100)
    _attempt(e, "final", 1, 100)
    e = _enrol(p["t1"], basic, "withdrawn")
    _attempt(e, "pre", 1, 50)
    _attempt(e, "final", 1, 75)
    e = _enrol(p["a3"], basic, "active")
    _attempt(e, "pre", 1, 30)

    l1 = Lab.objects.create(
        slug="l1", title={"en": "L1"}, definition={"questions": [{"points": 60}, {"points": 40}]}
    )
    l2 = Lab.objects.create(
        slug="l2", title={"en": "L2"}, definition={"questions": [{"points": 50}]}
    )
    for person, lab, points, done in (
        (p["t1"], l1, 75, True),
        (p["t2"], l2, 25, True),
        (p["t2"], l1, 10, False),
        (p["a1"], l1, 90, True),
    ):
        LabAttempt.objects.create(
            lab=lab,
            person=person,
            seed=1,
            answers={},
            digest="x",
            points=points,
            finished_at=now - timedelta(days=2) if done else None,
        )

    template = EmailTemplate.objects.create(
        name="T", sender_name="S", sender_address="s@x.example", subject="S", text="T"
    )
    landing = LandingPage.objects.create(name="L", title="L", body="L")
    p0 = _campaign("P0", 400, template, landing)
    p1 = _campaign("P1", 60, template, landing)
    p2 = _campaign("P2", 10, template, landing, pseudonymous=True)
    p3 = _campaign("P3", 5, template, landing)
    _send(p0, p["a1"], human=True)
    _send(p1, p["a1"], human=True)
    _send(p1, p["a2"], reported=30)
    _send(p1, p["a3"], reported=90)
    _send(p1, p["a4"])
    _send(p1, p["t1"], delivered=False)
    _send(p1, p["d1"], human=True, submitted=True)
    _send(p1, p["b1"], reported=5)
    _send(p2, p["a1"], human=True)
    _send(p2, p["a2"])
    _send(p2, p["d1"], human=True)
    _send(p3, p["d1"], human=True)

    author = p["b1"]
    v1 = _advisory(1, orgs["min_b"], author, 20, now - timedelta(days=18), now - timedelta(days=1))
    pub1 = now - timedelta(days=20)
    Recipient.objects.create(
        advisory=v1,
        organisation=dep,
        state=Recipient.State.IMPLEMENTED,
        outcome="implemented",
        ack_due=v1.ack_due,
        act_due=v1.act_due,
        acknowledged_at=pub1 + timedelta(hours=2),
        submitted_at=now - timedelta(days=10),
    )
    Recipient.objects.create(
        advisory=v1,
        organisation=div,
        state=Recipient.State.ACKNOWLEDGED,
        ack_due=v1.ack_due,
        act_due=v1.act_due,
        acknowledged_at=pub1 + timedelta(hours=10),
    )
    Recipient.objects.create(
        advisory=v1,
        organisation=div_b,
        state=Recipient.State.DELIVERED,
        ack_due=v1.ack_due,
        act_due=v1.act_due,
    )
    v2 = _advisory(2, orgs["min_b"], author, 3, now + timedelta(days=1), now + timedelta(days=10))
    Recipient.objects.create(
        advisory=v2,
        organisation=dep,
        state=Recipient.State.VIEWED,
        ack_due=v2.ack_due,
        act_due=v2.act_due,
    )
    v3 = _advisory(
        3,
        orgs["min_b"],
        author,
        15,
        now - timedelta(days=10),
        now - timedelta(days=5),
        state="withdrawn",
    )
    Recipient.objects.create(
        advisory=v3,
        organisation=dep,
        state=Recipient.State.DELIVERED,
        ack_due=v3.ack_due,
        act_due=v3.act_due,
    )
    return {"people": p, "campaigns": (p0, p1, p2, p3), "basic": basic, "advanced": advanced}
