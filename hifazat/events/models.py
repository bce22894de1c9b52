"""Training events: partner bodies, venues, events with days, seat quotas, nominations,
attendance and feedback.

Seats and quotas hold under concurrency because every change that can take a seat or a quota
place locks the event row first (``select_for_update``) and counts inside that lock.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Partner(models.Model):
    """A body that runs training: MoITT, PSEB, Ignite, NITB, NTISB, National CERT …"""

    code = models.SlugField(_("short name"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_ur = models.CharField(_("name in Urdu"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self) -> str:
        if (get_language() or "").startswith("ur") and self.name_ur:
            return self.name_ur
        return self.name


class Venue(models.Model):
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=80)
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("seats in the room"), null=True, blank=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="venues"
    )

    class Meta:
        ordering = ["city", "name"]

    def __str__(self):
        return f"{self.name}, {self.city}"


class Event(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        BLENDED = "blended", _("Blended")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # calendar UID
    title = models.CharField(_("title"), max_length=200)
    course = models.ForeignKey(
        "learning.Course",
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("course"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="events", verbose_name=_("partner")
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("venue"),
    )
    joining_link = models.URLField(_("joining link"), blank=True)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("seats"))
    open_to_all = models.BooleanField(
        _("open to every organisation"),
        default=False,
        help_text=_("Without quotas: any organisation may nominate until the seats are taken."),
    )
    nomination_opens = models.DateTimeField(_("nominations open"))
    nomination_closes = models.DateTimeField(_("nomination deadline"))
    attendance_required = models.PositiveSmallIntegerField(
        _("attendance needed to complete (%)"), default=80
    )
    final_test_required = models.BooleanField(_("final test must be passed"), default=True)
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="trained_events",
        verbose_name=_("trainers"),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    sequence = models.PositiveIntegerField(default=0)  # calendar SEQUENCE: raised on each change
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-nomination_opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nomination_closes__gt=models.F("nomination_opens")),
                name="nomination_window_ordered",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_has_seats"),
        ]

    def __str__(self):
        return self.title

    @property
    def first_day(self):
        days = list(self.days.all())
        return days[0] if days else None

    @property
    def nominations_open(self) -> bool:
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.nomination_opens <= now < self.nomination_closes
        )


class EventDay(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    class Meta:
        ordering = ["event", "date", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["event", "date"], name="one_day_per_date"),
            models.CheckConstraint(
                condition=Q(ends__gt=models.F("starts")), name="day_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.event} — {self.date}"

    def start_at(self):
        return timezone.make_aware(timezone.datetime.combine(self.date, self.starts))

    def end_at(self):
        return timezone.make_aware(timezone.datetime.combine(self.date, self.ends))


class Quota(models.Model):
    """Seats reserved for an organisation: its whole subtree nominates against them."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quotas")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    seats = models.PositiveIntegerField(_("seats"))

    class Meta:
        ordering = ["event", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "organisation"], name="one_quota_per_org")
        ]

    def __str__(self):
        return f"{self.organisation}: {self.seats}"


class Nomination(models.Model):
    class Status(models.TextChoices):
        PENDING_HEAD = "pending_head", _("Awaiting the head's approval")
        PENDING = "pending", _("Awaiting the programme manager")
        APPROVED = "approved", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waitlisted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COMPLETED = "completed", _("Completed")
        NOT_COMPLETED = "not_completed", _("Did not complete")

    # Statuses that hold a place in the organisation's quota.
    ACTIVE = (
        Status.PENDING_HEAD,
        Status.PENDING,
        Status.APPROVED,
        Status.WAITLISTED,
        Status.COMPLETED,
        Status.NOT_COMPLETED,
    )
    # Statuses that hold one of the event's seats.
    SEATED = (Status.APPROVED, Status.COMPLETED, Status.NOT_COMPLETED)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="nominations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="nominations"
    )
    quota_organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    head_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    head_approved_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)  # the waitlist's order
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    enrolment = models.ForeignKey(
        "learning.Enrolment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["event", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=~Q(status__in=["rejected", "withdrawn"]),
                name="one_live_nomination_per_person",
            )
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self):
        return f"{self.person} → {self.event}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        PARTIAL = "partial", _("Part of the day")
        ABSENT = "absent", _("Absent")

    class Method(models.TextChoices):
        ROSTER = "roster", _("Marked by the trainer")
        QR = "qr", _("Checked in with the QR code")

    day = models.ForeignKey(EventDay, on_delete=models.CASCADE, related_name="attendance")
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(max_length=16, choices=Status.choices)
    method = models.CharField(max_length=16, choices=Method.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "nomination"], name="one_mark_per_day")
        ]

    def __str__(self):
        return f"{self.nomination_id} {self.day_id}: {self.status}"

    # How much of a day each mark counts toward the attendance rule.
    WEIGHT = {"present": 1.0, "late": 1.0, "partial": 0.5, "absent": 0.0}


class Feedback(models.Model):
    """One participant's survey. Shown to trainers only in aggregate, without names."""

    RATINGS = ("content", "trainer", "arrangements", "overall")

    nomination = models.OneToOneField(
        Nomination, on_delete=models.CASCADE, related_name="feedback"
    )
    content = models.PositiveSmallIntegerField(_("The content was useful for my work"))
    trainer = models.PositiveSmallIntegerField(_("The trainer explained clearly"))
    arrangements = models.PositiveSmallIntegerField(_("The venue or online arrangements worked"))
    overall = models.PositiveSmallIntegerField(_("Overall"))
    comment = models.TextField(_("Comments"), blank=True, max_length=2000)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(content__range=(1, 5))
                & Q(trainer__range=(1, 5))
                & Q(arrangements__range=(1, 5))
                & Q(overall__range=(1, 5)),
                name="ratings_one_to_five",
            )
        ]

    def __str__(self):
        return f"feedback {self.nomination_id}"
