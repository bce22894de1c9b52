"""Phishing simulation: e-mail templates, landing pages, sending profiles, campaigns with their
variants, one send row per recipient, and the events that come back (open, click, human click,
submission, report).

Sending is at most once per person: a send row is claimed with a lease, its Message-ID is stored
before the SMTP transaction begins, and a row whose worker died during the transaction becomes
"in doubt" — shown to the operator and never resent automatically (see ``dispatch``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hifazat.orgs.models import Organisation


class Owned(models.Model):
    """Templates, landing pages, profiles and campaigns belong to a ministry's operators, or
    to the national team (no organisation)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: national (usable by every operator; changed by national operators)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Language(models.TextChoices):
    EN = "en", "English"
    UR = "ur", "اردو"


class EmailTemplate(Owned):
    """A simulated phishing e-mail. Subject and bodies may use only the placeholders in
    ``hifazat.phishing.rendering.PLACEHOLDERS``; they are rendered in a sandbox."""

    name = models.CharField(_("name"), max_length=150)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.EN
    )
    sender_name = models.CharField(_("sender name"), max_length=120)
    sender_address = models.EmailField(_("sender address"))
    subject = models.CharField(_("subject"), max_length=250)
    text = models.TextField(_("text body"))
    html = models.TextField(_("HTML body"), blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), default=3, help_text=_("1 (easy to spot) to 5 (very hard).")
    )
    red_flags = models.JSONField(_("red flags"), default=list, blank=True)
    impersonates = models.CharField(
        _("impersonates"),
        max_length=120,
        blank=True,
        help_text=_(
            "The real government body this e-mail pretends to be (for example NTISB). "
            "A platform admin must sign it off before any campaign uses it."
        ),
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def needs_sign_off(self) -> bool:
        return bool(self.impersonates) and self.signed_off_at is None


class LandingPage(Owned):
    """What a person sees after clicking: a teachable moment, optionally preceded by a pretend
    sign-in form (only which fields were filled is recorded, never what was typed)."""

    name = models.CharField(_("name"), max_length=150)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.EN
    )
    has_form = models.BooleanField(_("pretend sign-in form first"), default=False)
    form_title = models.CharField(_("form heading"), max_length=150, blank=True)
    form_intro = models.CharField(_("form introduction"), max_length=300, blank=True)
    title = models.CharField(_("heading of the teachable moment"), max_length=150)
    body = models.TextField(_("teachable moment (Markdown)"))
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SendingProfile(Owned):
    """An SMTP relay. The password is stored encrypted (``hifazat.lib.secretbox``) and never
    shown again; ``rate_per_minute`` holds across all workers (``next_slot`` is the shared
    token bucket)."""

    class Security(models.TextChoices):
        NONE = "none", _("None (local relay only)")
        STARTTLS = "starttls", _("STARTTLS")
        TLS = "tls", _("TLS from the start")

    name = models.CharField(_("name"), max_length=150)
    host = models.CharField(_("SMTP host"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=587)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    username = models.CharField(_("user name"), max_length=200, blank=True)
    password_encrypted = models.TextField(blank=True, editable=False)
    envelope_from = models.EmailField(
        _("envelope sender"),
        blank=True,
        help_text=_("Bounce address (MAIL FROM). Empty: the template's sender address."),
    )
    rate_per_minute = models.PositiveIntegerField(
        _("messages per minute"), default=600, help_text=_("0: no limit.")
    )
    messages_per_connection = models.PositiveIntegerField(
        _("messages per connection"), default=500
    )
    next_slot = models.DateTimeField(null=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)


class Campaign(Owned):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")
        COMPLETED = "completed", _("Completed")

    name = models.CharField(_("name"), max_length=200)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    profile = models.ForeignKey(
        SendingProfile, verbose_name=_("sending profile"), on_delete=models.PROTECT, null=True
    )
    # Audience: people of these organisations (with their sub-organisations if asked), narrowed
    # by track and grade, minus exclusions. Resolved into send rows at launch.
    audience_orgs = models.ManyToManyField(
        Organisation, verbose_name=_("organisations"), related_name="+", blank=True
    )
    include_suborgs = models.BooleanField(_("include sub-organisations"), default=True)
    tracks = models.JSONField(_("tracks"), default=list, blank=True)
    grade_min = models.PositiveSmallIntegerField(_("lowest BPS grade"), null=True, blank=True)
    grade_max = models.PositiveSmallIntegerField(_("highest BPS grade"), null=True, blank=True)
    excluded_orgs = models.ManyToManyField(
        Organisation, verbose_name=_("excluded organisations"), related_name="+", blank=True
    )
    excluded_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("excluded people"), related_name="+", blank=True
    )
    # Schedule: sending starts at start_at; with send_by it is spread over the business hours
    # between the two, in each recipient's time zone, with jitter.
    start_at = models.DateTimeField(_("start"))
    send_by = models.DateTimeField(_("send by"), null=True, blank=True)
    business_start = models.TimeField(_("business hours from"), default="09:00")
    business_end = models.TimeField(_("business hours to"), default="17:00")
    business_days = models.JSONField(_("business days"), default=list)  # 0 = Monday
    jitter_minutes = models.PositiveSmallIntegerField(_("jitter (minutes)"), default=10)
    # Authorisation: who authorised the exercise, and the reference of the authorising letter.
    authorised_by = models.CharField(_("authorised by"), max_length=200, blank=True)
    authorisation_reference = models.CharField(
        _("authorisation reference"), max_length=200, blank=True
    )
    pseudonymous = models.BooleanField(
        _("pseudonymous"),
        default=False,
        help_text=_("Results show only aggregates; no name appears anywhere."),
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    reduced_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its identifiable results were reduced to aggregates (retention).",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    @property
    def is_national(self) -> bool:
        return self.organisation_id is None


class Variant(models.Model):
    """One template + landing page of a campaign; recipients are assigned at random."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    label = models.CharField(max_length=8)
    template = models.ForeignKey(EmailTemplate, on_delete=models.PROTECT, related_name="+")
    landing = models.ForeignKey(LandingPage, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["campaign", "label"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "label"], name="phishing_variant_label")
        ]

    def __str__(self):
        return f"{self.label}: {self.template}"


class Send(models.Model):
    """One message to one person in one campaign (unique: at most one per person)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CLAIMED = "claimed", _("Claimed by a worker")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        IN_DOUBT = "in_doubt", _("In doubt")
        CANCELLED = "cancelled", _("Cancelled")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sends")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="sends")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    email = models.CharField(max_length=254)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, related_name="+"
    )
    token = models.CharField(max_length=32, unique=True)
    not_before = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    worker = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True)
    smtp_code = models.PositiveSmallIntegerField(null=True)
    error = models.CharField(max_length=300, blank=True)
    # The first time each outcome happened (the events keep every occurrence). Written by the
    # tracking endpoints in the same statement as the event, so results need no join.
    opened_at = models.DateTimeField(null=True)
    clicked_at = models.DateTimeField(null=True)
    human_at = models.DateTimeField(null=True)
    submitted_at = models.DateTimeField(null=True)
    reported_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="phishing_send_once")
        ]
        indexes = [
            models.Index(
                fields=["not_before"], condition=Q(state="queued"), name="phishing_send_due"
            ),
            models.Index(
                fields=["lease_until"],
                condition=Q(state__in=["claimed", "sending"]),
                name="phishing_send_leased",
            ),
            models.Index(fields=["campaign", "state"], name="phishing_send_state"),
            models.Index(
                fields=["message_id"], condition=~Q(message_id=""), name="phishing_send_msgid"
            ),
            models.Index(
                fields=["person", "campaign"],
                condition=Q(human_at__isnull=False) | Q(submitted_at__isnull=False),
                name="phishing_send_failed",
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.pk}: {self.state}"


class Event(models.Model):
    """Something a recipient (or a scanner) did. ``campaign_id`` is copied from the send row
    so counting needs no join; ``fields`` lists the names of filled form fields, never values."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Opened (pixel, unreliable)")
        CLICK = "click", _("Link fetched")
        HUMAN = "human", _("Human click")
        SUBMIT = "submit", _("Form submitted")
        REPORT = "report", _("Reported")

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="events")
    campaign_id = models.IntegerField(db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField()
    fields = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["send", "kind"], name="phishing_event_send_kind")]

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Tally(models.Model):
    """A campaign's results for one variant and organisation, kept when its identifiable
    results are reduced (``retention``). The fields mean what ``results.COUNTS`` says;
    ``report_seconds`` holds each reporter's delay, without who it was, so medians still add up."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tallies")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recipients = models.PositiveIntegerField(default=0)
    attempted = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    clicked = models.PositiveIntegerField(default=0)
    human = models.PositiveIntegerField(default=0)
    scanner = models.PositiveIntegerField(default=0)
    submitted = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    reported = models.PositiveIntegerField(default=0)
    report_seconds = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "variant", "organisation"], name="phishing_tally_once"
            )
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.variant_id}/{self.organisation_id}"


class ReportedMessage(models.Model):
    """One message from the reported-mail mailbox (``hifazat phishing import-reports``).
    A simulation is matched to its send row; anything else is kept for the security team."""

    class Kind(models.TextChoices):
        SIMULATION = "simulation", _("Simulation")
        REAL = "real", _("Not a simulation")
        UNREADABLE = "unreadable", _("Unreadable")

    digest = models.CharField(max_length=64, unique=True)  # SHA-256 of the message as filed
    kind = models.CharField(max_length=12, choices=Kind.choices)
    send = models.ForeignKey(Send, on_delete=models.SET_NULL, null=True, related_name="+")
    campaign_id = models.IntegerField(null=True)
    reporter = models.CharField(_("reported by"), max_length=254, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sender = models.CharField(_("sender"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True)
    attachments = models.JSONField(default=list, blank=True)
    urls = models.JSONField(default=list, blank=True)
    problem = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        indexes = [models.Index(fields=["kind", "reported_at"], name="phishing_reported_kind")]

    def __str__(self):
        return self.subject or self.digest[:12]


class RemedialRule(Owned):
    """Enrol people who fell for a simulation in a short course. Only human clicks and
    submissions count (never opens or scanner hits), pseudonymous campaigns never, and the same
    person is not enrolled again by the same rule within ``min_gap_days``."""

    name = models.CharField(_("name"), max_length=150)
    active = models.BooleanField(_("active"), default=True)
    course = models.ForeignKey(
        "learning.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    on_human_click = models.BooleanField(_("after a human click"), default=True)
    on_submit = models.BooleanField(_("after a form submission"), default=True)
    window_days = models.PositiveSmallIntegerField(
        _("look back (days)"),
        default=90,
        help_text=_("Only clicks and submissions this recent count."),
    )
    min_gap_days = models.PositiveSmallIntegerField(
        _("minimum gap (days)"),
        default=90,
        help_text=_("The same person is not enrolled again by this rule sooner than this."),
    )
    due_days = models.PositiveSmallIntegerField(_("due after (days)"), default=14)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RemedialAssignment(models.Model):
    """What a rule decided for one triggering send (so a second run decides nothing again)."""

    class Outcome(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WITHIN_GAP = "within_gap", _("Not enrolled: within the minimum gap")
        ALREADY = "already", _("Not enrolled: already taking the course")

    rule = models.ForeignKey(RemedialRule, on_delete=models.CASCADE, related_name="assignments")
    send = models.ForeignKey(Send, on_delete=models.SET_NULL, null=True, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    campaign_id = models.IntegerField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    enrolment = models.ForeignKey(
        "learning.Enrolment", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "send"], name="phishing_remedial_once")
        ]
        indexes = [models.Index(fields=["rule", "person", "at"], name="phishing_remedial_gap")]

    def __str__(self):
        return f"{self.rule_id}/{self.person_id}: {self.outcome}"
