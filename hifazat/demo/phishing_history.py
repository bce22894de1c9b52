"""Demo data: a year of phishing simulations, so the results pages have a story to tell.

Six completed campaigns, one about every two months, national and ministry rounds in turn, with
lures that get harder over the year. As training spreads, fewer people click (a person's browser
ran the landing page: from about 30 % to about 11 % of messages delivered), about half of those
who click go on to type into the pretend sign-in form, more people report the message (from
about 7 % to about 35 %) and they report it sooner (median from about three hours to under half
an hour). Each person's susceptibility is drawn once for the whole year, so the same people fall
for several rounds (repeat offenders); IT administrators fall less often. Mail scanners fetch a
few links that no person clicked, a few deliveries bounce, and tracking pixels load for a
little more than half the messages. One ministry round is pseudonymous. Last, four real phishing messages that
staff forwarded to the reported-mail mailbox during the past month.

Everything comes from one fixed seed, so every demo shows the same figures.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import yaml
from django.db import transaction
from django.utils import timezone

from hifazat.demo.accounts import DEMO_ACCOUNTS
from hifazat.demo.phishing import DATA
from hifazat.orgs.models import Organisation, Person
from hifazat.orgs.roles import Role
from hifazat.phishing import schedule, services
from hifazat.phishing.models import (
    Campaign,
    EmailTemplate,
    Event,
    LandingPage,
    ReportedMessage,
    Send,
    SendingProfile,
    Variant,
)
from hifazat.phishing.tracking import FIRST

SEED = 20250714
ZONE = "Asia/Karachi"
OFFICE_OPENS, OFFICE_CLOSES = time(9), time(17)
MAX_RECIPIENTS = 20_000  # per campaign, so that a demo of 100,000 people still loads quickly
BATCH_SIZE = 2_000

# The trend, one value per round, oldest first.
HUMAN_CLICK_RATE = (0.297, 0.262, 0.214, 0.168, 0.143, 0.108)  # of messages delivered
REPORT_RATE = (0.068, 0.117, 0.176, 0.231, 0.288, 0.347)  # of messages delivered
REPORT_MEDIAN_MINUTES = (215, 140, 95, 60, 38, 25)  # delivery to report, if not clicked
SUBMIT_SHARE = (0.58, 0.55, 0.52, 0.49, 0.45, 0.42)  # of people who clicked

# What does not change over the year.
SUSCEPTIBILITY_SPREAD = 1.0  # sigma of each person's log-normal susceptibility
DILIGENCE_SPREAD = 0.8  # sigma of each person's log-normal readiness to report
IT_ADMIN_SUSCEPTIBILITY = 0.4  # IT administrators click less …
IT_ADMIN_DILIGENCE = 1.5  # … and report more
CLICKER_REPORTS = 0.3  # someone who clicked is less likely to report it afterwards
BOUNCE_RATE = 0.015  # deliveries refused (550), with no outcome
SCANNER_RATE = 0.04  # of messages delivered: the link fetched by a mail scanner only
OPEN_RATE_ENGAGED = 0.85  # pixel loaded, for people who clicked or reported (images blocked)
OPEN_RATE_OTHERS = 0.42  # pixel loaded, for everyone else
REPORT_BY_MAILBOX = 0.2  # reports forwarded to the mailbox rather than made by the link
USERNAME_ONLY = 0.15  # submissions that filled in the user name only
CLICK_MEDIAN_MINUTES, CLICK_SIGMA = 40, 1.2  # from delivery to a person's click
OPEN_MEDIAN_MINUTES, OPEN_SIGMA = 50, 1.3  # from delivery to opening, for the others
REPORT_SIGMA = 1.0
LATE_REPORT_MEDIAN_MINUTES, LATE_REPORT_SIGMA = 20, 0.8  # clicked, then realised and reported
LONGEST_DELAY = timedelta(days=4)  # people act on a message within days or not at all
SEND_JITTER_MINUTES = 10

BIG_MINISTRIES = ("CABSEC", "MOF", "MOFE", "MOITT", "MOE", "MOI", "MOLJ", "MOIP", "MOPHRD", "MOPR")
OTHER_MINISTRIES = (
    "MOITT", "MOI", "MOLJ", "MOMA", "MONC", "MOD", "MOHW", "MOFA", "MOIB", "MOR", "MOCC", "MOST",
    "MOHR", "MORA",
)  # fmt: skip


@dataclass(frozen=True)
class Round:
    """One past campaign. ``variants`` are (template key, landing page key) of phishing.yaml;
    ``owner`` is a ministry's code (None: national); ``reference`` may use {year}."""

    days_ago: int
    name: str
    owner: str | None
    audience: tuple[str, ...]
    variants: tuple[tuple[str, str], tuple[str, str]]
    sending_days: int
    authorised_by: str
    reference: str
    pseudonymous: bool = False


ROUNDS = (
    Round(
        355,
        "National baseline — e-Office password expiry",
        None,
        BIG_MINISTRIES,
        (
            ("eoffice-password-expiry", "pretend-sign-in"),
            ("it-support-mailbox-quota", "pretend-sign-in"),
        ),
        3,
        "Secretary, Cabinet Division",
        "No. 2-3/{year}-NTISB (demo)",
    ),
    Round(
        295,
        "Cabinet Secretariat — mailbox quota and attendance registration",
        "CABSEC",
        ("CABSEC",),
        (("it-support-mailbox-quota", "pretend-sign-in"), ("urdu-notice", "pretend-sign-in-ur")),
        2,
        "Additional Secretary (Admin), Cabinet Secretariat",
        "No. 1-14/{year}-Admin (demo)",
    ),
    Round(
        235,
        "National round 2 — attendance system and GP Fund statement",
        None,
        OTHER_MINISTRIES,
        (("urdu-notice", "pretend-sign-in-ur"), ("gp-fund-statement", "pretend-sign-in")),
        3,
        "Secretary, Cabinet Division",
        "No. 2-9/{year}-NTISB (demo)",
    ),
    Round(
        175,
        "Finance — pay-revision arrears verification (pseudonymous)",
        "MOF",
        ("MOF",),
        (("gp-fund-statement", "pretend-sign-in"), ("ntisb-advisory", "pretend-sign-in")),
        2,
        "Secretary, Finance Division",
        "F. No. 4(2)-IT/{year} (demo)",
        pseudonymous=True,
    ),
    Round(
        115,
        "Federal Education — training nomination look-alike",
        "MOFE",
        ("MOFE",),
        (("training-invitation", "pretend-sign-in"), ("ntisb-advisory", "pretend-sign-in")),
        2,
        "Secretary, Federal Education & Professional Training",
        "No. F.1-7/{year}-IT (demo)",
    ),
    Round(
        55,
        "National round 3 — shared posting orders file",
        None,
        BIG_MINISTRIES,
        (("document-share", "pretend-sign-in"), ("training-invitation", "pretend-sign-in")),
        3,
        "Secretary, Cabinet Division",
        "No. 2-17/{year}-NTISB (demo)",
    ),
)

# Real phishing that staff forwarded to the reported-mail mailbox: (days ago, hour, sender,
# subject, links, attachments).
REAL_REPORTS = (
    (
        3,
        10,
        "refunds@iris-fbr-refund.example",
        "Income tax refund of Rs 48,750 approved — confirm your IRIS account within 24 hours",
        ["https://iris-fbr-refund.example/claim?ref=TR-88412"],
        [],
    ),
    (
        9,
        12,
        "verification@nadra-sim-verify.example",
        "Your SIMs will be blocked: biometric re-verification required (PTA/NADRA)",
        ["https://nadra-sim-verify.example/biometric", "https://bit-link.example/n4dr4"],
        [],
    ),
    (
        17,
        15,
        "accounts@alnoor-traders.example",
        "Outstanding invoice INV-2291 for office stationery — payment overdue",
        [],
        ["Invoice_INV-2291.iso"],
    ),
    (
        26,
        11,
        "upgrade@whatsapp-gold.example",
        "Officers only: upgrade to WhatsApp Gold before the old version stops working",
        ["https://whatsapp-gold.example/download/WhatsAppGold.apk"],
        [],
    ),
)


@dataclass
class Traits:
    """A person's lasting traits, drawn once for the whole year."""

    susceptibility: float
    diligence: float


@dataclass
class Context:
    """What every step of the load needs."""

    now: datetime
    rng: random.Random
    orgs: dict[str, Organisation]
    operators: list[Person]  # the first builds and launches, the second approves
    library: dict[str, EmailTemplate | LandingPage]
    profile: SendingProfile
    it_admins: set[int]
    traits: dict[int, Traits] = field(default_factory=dict)


def load_phishing_history(stdout=None, now=None) -> int:
    """Create the past campaigns and real reports; returns how many campaigns (0: already
    there, or no phishing library to build them from)."""

    def say(line: str) -> None:
        if stdout:
            stdout.write(line)

    if Campaign.objects.filter(state=Campaign.State.COMPLETED).exists():
        say("Phishing history: already loaded")
        return 0
    operators = _operators()
    library = _library()
    profile = SendingProfile.objects.filter(organisation=None).order_by("pk").first()
    if len(operators) < 2 or library is None or profile is None:
        say("Phishing history: skipped (no phishing library or campaign operators)")
        return 0
    ctx = Context(
        now=now or timezone.now(),
        rng=random.Random(SEED),
        orgs={o.code: o for o in Organisation.objects.all()},
        operators=operators,
        library=library,
        profile=profile,
        it_admins=set(
            Person.objects.filter(track=Person.Track.IT_ADMIN).values_list("pk", flat=True)
        ),
    )
    messages = events = 0
    with transaction.atomic():
        for i, spec in enumerate(ROUNDS):
            sends, made = _campaign(ctx, i, spec)
            Send.objects.bulk_create(sends, batch_size=BATCH_SIZE)
            Event.objects.bulk_create(made, batch_size=BATCH_SIZE)
            messages += len(sends)
            events += len(made)
        _real_reports(ctx)
    say(f"Phishing history: {len(ROUNDS)} campaigns, {messages} messages, {events} events")
    return len(ROUNDS)


def _operators() -> list[Person]:
    """The demo's two national campaign operators."""
    emails = [a.email for a in DEMO_ACCOUNTS if a.role == Role.CAMPAIGN_OPERATOR]
    found = Person.objects.in_bulk(emails, field_name="email")
    return [found[e] for e in emails if e in found]


def _library() -> dict[str, EmailTemplate | LandingPage] | None:
    """The national library made by ``load_phishing``, by phishing.yaml's keys."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    library = {}
    for section, model in (("templates", EmailTemplate), ("landing_pages", LandingPage)):
        found = {o.name: o for o in model.objects.filter(organisation=None)}
        for row in data[section]:
            if row["name"] not in found:
                return None
            library[row["key"]] = found[row["name"]]
    return library


def _windows(spec: Round, now: datetime) -> list[tuple[datetime, datetime]]:
    """Office hours of the round's first business days."""
    tz = ZoneInfo(ZONE)
    day = (now - timedelta(days=spec.days_ago)).astimezone(tz).date()
    while day.weekday() not in services.BUSINESS_DAYS:
        day += timedelta(days=1)
    start = datetime.combine(day, OFFICE_OPENS, tz)
    windows = schedule.business_windows(
        start, start + timedelta(days=7), ZONE, services.BUSINESS_DAYS, OFFICE_OPENS, OFFICE_CLOSES
    )
    return windows[: spec.sending_days]


def _campaign(ctx: Context, i: int, spec: Round) -> tuple[list[Send], list[Event]]:
    """Create round ``i``'s campaign and variants; return its unsaved sends and events."""
    operator, approver = ctx.operators
    rng = ctx.rng
    windows = _windows(spec, ctx.now)
    launched = windows[0][0] - timedelta(minutes=rng.randint(5, 40))
    campaign = Campaign.objects.create(
        organisation=ctx.orgs[spec.owner] if spec.owner else None,
        created_by=operator,
        name=spec.name,
        state=Campaign.State.COMPLETED,
        profile=ctx.profile,
        start_at=windows[0][0],
        send_by=windows[-1][1],
        business_days=list(services.BUSINESS_DAYS),
        authorised_by=spec.authorised_by,
        authorisation_reference=spec.reference.format(year=launched.year),
        pseudonymous=spec.pseudonymous,
        submitted_at=launched - timedelta(days=3, hours=2),
        approved_by=approver,
        approved_at=launched - timedelta(days=1, hours=5),
        launched_by=operator,
        launched_at=launched,
    )
    campaign.audience_orgs.set([ctx.orgs[code] for code in spec.audience])
    campaign.excluded_people.set(ctx.operators)  # they know the campaign is coming
    variants = Variant.objects.bulk_create(
        Variant(campaign=campaign, label=label, template=ctx.library[t], landing=ctx.library[p])
        for label, (t, p) in zip("AB", spec.variants, strict=True)
    )
    people = services.resolve_audience(campaign).people
    if len(people) > MAX_RECIPIENTS:
        people = sorted(rng.sample(people, MAX_RECIPIENTS))
    for pk, _email, _org in people:
        if pk not in ctx.traits:
            ctx.traits[pk] = Traits(
                rng.lognormvariate(0, SUSCEPTIBILITY_SPREAD),
                rng.lognormvariate(0, DILIGENCE_SPREAD),
            )
    sends = _sends(campaign, variants, people, windows, rng)
    events = _behave(ctx, i, campaign, [s for s in sends if s.state == Send.State.SENT])
    last = max((s.not_before for s in sends), default=windows[0][0])  # none: a tiny demo
    finished = last + timedelta(minutes=rng.randint(2, 9))
    Campaign.objects.filter(pk=campaign.pk).update(
        recipient_count=len(sends),
        finished_at=finished,
        created_at=launched - timedelta(days=6, hours=rng.randint(0, 8)),
        updated_at=finished,
    )
    return sends, events


def _token(rng: random.Random) -> str:
    """144 random bits, 24 URL-safe characters (as ``services.new_token``, but repeatable)."""
    return base64.urlsafe_b64encode(rng.randbytes(services.TOKEN_BYTES)).decode()


def _sends(campaign, variants, people, windows, rng) -> list[Send]:
    """One row per recipient, sent during office hours; a few bounced."""
    times = schedule.spread(len(people), windows, SEND_JITTER_MINUTES, rng)
    sends = []
    for n, ((pk, email, org_id), at) in enumerate(zip(people, times, strict=True), start=1):
        send = Send(
            campaign=campaign,
            variant=rng.choice(variants),
            person_id=pk,
            email=email,
            organisation_id=org_id,
            token=_token(rng),
            not_before=at,
            attempts=1,
            message_id=f"<demo.{campaign.pk}.{n}@hifazat.example>",
        )
        if rng.random() < BOUNCE_RATE:
            send.state, send.smtp_code = Send.State.FAILED, 550
            send.error = f"550 5.1.1 <{email}>: Recipient address rejected: User unknown"
        else:
            send.state, send.smtp_code = Send.State.SENT, 250
            send.sent_at = at + timedelta(seconds=rng.uniform(1, 45))
        sends.append(send)
    return sends


def _pick(rng: random.Random, sends: list[Send], weights: list[float], share: float) -> set:
    """The tokens of exactly ``share`` of the sends (rounded), the heavier the likelier:
    weighted sampling without replacement (Efraimidis–Spirakis keys)."""
    keys = [math.log(1.0 - rng.random()) / w for w in weights]
    chosen = heapq.nlargest(round(share * len(sends)), range(len(sends)), key=keys.__getitem__)
    return {sends[k].token for k in chosen}


def _behave(ctx: Context, i: int, campaign: Campaign, delivered: list[Send]) -> list[Event]:
    """Decide who clicks, submits, reports and opens, set the first-outcome times on the sends
    and return the matching events."""
    rng = ctx.rng

    def weight(send: Send, attribute: str, it_factor: float) -> float:
        value = getattr(ctx.traits[send.person_id], attribute)
        return value * it_factor if send.person_id in ctx.it_admins else value

    clickers = _pick(
        rng,
        delivered,
        [weight(s, "susceptibility", IT_ADMIN_SUSCEPTIBILITY) for s in delivered],
        HUMAN_CLICK_RATE[i],
    )
    reporters = _pick(
        rng,
        delivered,
        [
            weight(s, "diligence", IT_ADMIN_DILIGENCE)
            * (CLICKER_REPORTS if s.token in clickers else 1)
            for s in delivered
        ],
        REPORT_RATE[i],
    )
    events = []
    for send in delivered:
        for kind, at, fields in _outcomes(
            send, send.token in clickers, send.token in reporters, i, rng
        ):
            setattr(send, FIRST[kind], at)
            events.append(
                Event(send=send, campaign_id=campaign.pk, kind=kind, at=at, fields=fields)
            )
    return events


def _outcomes(send: Send, clicks: bool, reports: bool, i: int, rng: random.Random) -> list:
    """What happened to one delivered message: (event kind, time, fields) of each first time."""
    outcomes, acted = [], None  # acted: when the person first did something about it
    if clicks:
        outcomes = _click(send, i, rng)
        acted = outcomes[0][1]
    elif rng.random() < SCANNER_RATE / (1 - HUMAN_CLICK_RATE[i]):  # of those nobody clicked
        outcomes = [(Event.Kind.CLICK, send.sent_at + timedelta(seconds=rng.uniform(2, 20)), [])]
    if reports:
        outcomes.append(_report(send, acted, i, rng))
        acted = acted or outcomes[-1][1]
    return outcomes + _open(send, acted, rng)


def _delay(rng: random.Random, median_minutes: float, sigma: float) -> timedelta:
    seconds = rng.lognormvariate(math.log(median_minutes * 60), sigma)
    return min(timedelta(seconds=seconds), LONGEST_DELAY)


def _click(send: Send, i: int, rng: random.Random) -> list[tuple]:
    """A person clicks (minutes to hours after delivery), the landing page's script runs a
    second later, and some type into the pretend form a minute after."""
    clicked = send.sent_at + _delay(rng, CLICK_MEDIAN_MINUTES, CLICK_SIGMA)
    human = clicked + timedelta(seconds=rng.uniform(1, 2))
    outcomes = [(Event.Kind.CLICK, clicked, []), (Event.Kind.HUMAN, human, [])]
    if rng.random() < SUBMIT_SHARE[i]:
        fields = ["username"] if rng.random() < USERNAME_ONLY else ["username", "password"]
        submitted = human + timedelta(seconds=rng.uniform(40, 90))
        outcomes.append((Event.Kind.SUBMIT, submitted, fields))
    return outcomes


def _report(send: Send, clicked: datetime | None, i: int, rng: random.Random) -> tuple:
    """Reported by the message's link or by forwarding it to the mailbox; someone who clicked
    reports after realising what it was."""
    if clicked:
        at = (
            clicked
            + timedelta(seconds=2)
            + _delay(rng, LATE_REPORT_MEDIAN_MINUTES, LATE_REPORT_SIGMA)
        )
    else:
        at = send.sent_at + _delay(rng, REPORT_MEDIAN_MINUTES[i], REPORT_SIGMA)
    channel = ["mailbox"] if rng.random() < REPORT_BY_MAILBOX else ["link"]
    return (Event.Kind.REPORT, at, channel)


def _open(send: Send, acted: datetime | None, rng: random.Random) -> list[tuple]:
    """The tracking pixel, when images load: shortly before the person acted, if they did."""
    if acted:
        if rng.random() >= OPEN_RATE_ENGAGED:
            return []
        before = min(rng.uniform(10, 240), (acted - send.sent_at).total_seconds() / 2)
        return [(Event.Kind.OPEN, acted - timedelta(seconds=before), [])]
    if rng.random() >= OPEN_RATE_OTHERS:
        return []
    return [(Event.Kind.OPEN, send.sent_at + _delay(rng, OPEN_MEDIAN_MINUTES, OPEN_SIGMA), [])]


def _real_reports(ctx: Context) -> None:
    """Real phishing forwarded to the reported-mail mailbox by demo people in the past month."""
    tz, rng = ZoneInfo(ZONE), ctx.rng
    candidates = list(
        Person.objects.filter(is_active=True, organisation__isnull=False)
        .order_by("pk")
        .values_list("email", "organisation_id")[:500]
    )
    reporters = rng.sample(candidates, len(REAL_REPORTS))
    rows = []
    for (days, hour, sender, subject, urls, attachments), (email, org_id) in zip(
        REAL_REPORTS, reporters, strict=True
    ):
        day = (ctx.now - timedelta(days=days)).astimezone(tz).date()
        at = datetime.combine(day, time(hour, rng.randint(0, 59)), tz)
        domain = sender.split("@")[1]
        rows.append(
            ReportedMessage(
                digest=hashlib.sha256(f"demo:{sender}:{subject}:{email}".encode()).hexdigest(),
                kind=ReportedMessage.Kind.REAL,
                reporter=email,
                organisation_id=org_id,
                sender=sender,
                subject=subject,
                message_id=f"<{rng.randbytes(8).hex()}@mail.{domain}>",
                reported_at=at,
                urls=urls,
                attachments=attachments,
                source="demo",
            )
        )
    ReportedMessage.objects.bulk_create(rows)
