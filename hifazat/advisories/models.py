"""Threat advisories: authoring (a working copy with measures, indicators, vulnerabilities,
products, references and attachments), immutable published revisions, and the tracking side —
one recipient row per organisation (per named person for TLP:RED), deliveries, per-measure
responses with evidence, a message thread, extensions and escalations.

What recipients read is always a published :class:`Revision` snapshot, never the working copy,
so an author revising an advisory changes nothing that recipients see until it is published.
"Overdue" is computed from deadlines and states; it is never stored.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Tlp(models.TextChoices):
    CLEAR = "CLEAR", "TLP:CLEAR"
    GREEN = "GREEN", "TLP:GREEN"
    AMBER = "AMBER", "TLP:AMBER"
    AMBER_STRICT = "AMBER+STRICT", "TLP:AMBER+STRICT"
    RED = "RED", "TLP:RED"


# Higher is more restrictive.
TLP_RANK = {Tlp.CLEAR: 0, Tlp.GREEN: 1, Tlp.AMBER: 2, Tlp.AMBER_STRICT: 3, Tlp.RED: 4}


def stricter(a: str | None, b: str) -> str:
    """The more restrictive of two labels (``a`` may be empty: inherit ``b``)."""
    if not a:
        return b
    return a if TLP_RANK[a] >= TLP_RANK[b] else b


class SharingGroup(models.Model):
    """A named audience reused across advisories ("All federal ministries and divisions")."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    organisations = models.ManyToManyField("orgs.Organisation", related_name="+")
    include_children = models.BooleanField(_("include sub-organisations"), default=True)

    def __str__(self):
        return self.name


class Advisory(models.Model):
    class Kind(models.TextChoices):
        THREAT = "threat", _("Threat")
        VULNERABILITY = "vulnerability", _("Vulnerability")
        INCIDENT = "incident", _("Incident")
        HARDENING = "hardening", _("Hardening and awareness")
        DIRECTIVE = "directive", _("Directive")

    class Severity(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")
        INFO = "info", _("Information")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SUPERSEDED = "superseded", _("Superseded")

    class Audience(models.TextChoices):
        ALL = "all", _("All organisations")
        GROUP = "group", _("A sharing group")
        ORGANISATIONS = "organisations", _("Chosen organisations")
        PEOPLE = "people", _("Named people (TLP:RED)")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    tracking_id = models.CharField(_("tracking id"), max_length=40, unique=True)
    reference_no = models.CharField(_("reference no."), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=250)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    tlp = models.CharField(_("TLP"), max_length=16, choices=Tlp.choices)
    # the label of the live (published) revision: what decides who may read it, whatever a
    # revision in progress says
    published_tlp = models.CharField(max_length=16, choices=Tlp.choices, blank=True)
    summary = models.TextField(_("summary"))
    background = models.TextField(_("background"), blank=True)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    sharing_group = models.ForeignKey(
        SharingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("sharing group"),
    )
    organisations = models.ManyToManyField(
        "orgs.Organisation", blank=True, related_name="+", verbose_name=_("organisations")
    )
    include_children = models.BooleanField(_("with their sub-organisations"), default=True)
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("named people")
    )
    ack_due = models.DateTimeField(_("acknowledge by"))
    act_due = models.DateTimeField(_("act by"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    live = models.ForeignKey(
        "Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # the revision recipients see; set once published
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.CharField(max_length=300, blank=True)
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "number"], name="advisory_number"),
            models.CheckConstraint(
                condition=Q(act_due__gte=models.F("ack_due")), name="act_after_ack"
            ),
        ]

    def __str__(self):
        return f"{self.tracking_id} {self.title}"

    @property
    def human_number(self) -> str:
        return _("Advisory No. %(n)d of %(y)d") % {"n": self.number, "y": self.year}


class Measure(models.Model):
    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="measures")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(_("measure"))
    mandatory = models.BooleanField(_("mandatory"), default=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)

    class Meta:
        ordering = ["advisory", "number"]
        constraints = [
            models.UniqueConstraint(fields=["advisory", "number"], name="measure_number")
        ]

    def __str__(self):
        return f"{self.number}. {self.text[:60]}"


class Indicator(models.Model):
    class Type(models.TextChoices):
        IPV4 = "ipv4", "IPv4"
        IPV6 = "ipv6", "IPv6"
        DOMAIN = "domain", _("Domain")
        URL = "url", "URL"
        EMAIL = "email", _("E-mail address")
        MD5 = "md5", "MD5"
        SHA1 = "sha1", "SHA-1"
        SHA256 = "sha256", "SHA-256"
        FILENAME = "filename", _("File name")
        PHONE = "phone", _("Phone number")
        APP = "app", _("App package")

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="indicators")
    type = models.CharField(max_length=16, choices=Type.choices)
    value = models.CharField(max_length=500)
    description = models.CharField(max_length=300, blank=True)
    tlp = models.CharField(max_length=16, choices=Tlp.choices, blank=True)  # only ever stricter

    class Meta:
        ordering = ["advisory", "type", "value"]

    def __str__(self):
        return f"{self.type} {self.value}"


class Vulnerability(models.Model):
    advisory = models.ForeignKey(
        Advisory, on_delete=models.CASCADE, related_name="vulnerabilities"
    )
    cve = models.CharField("CVE", max_length=20)
    title = models.CharField(max_length=250, blank=True)
    cvss_v31 = models.CharField("CVSS v3.1", max_length=200, blank=True)
    cvss_v40 = models.CharField("CVSS v4.0", max_length=300, blank=True)
    # computed from the vectors with `cvss`, never typed
    score_v31 = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    score_v40 = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    severity = models.CharField(max_length=16, blank=True)
    kev = models.BooleanField(_("known exploited"), default=False)

    class Meta:
        ordering = ["advisory", "cve"]

    def __str__(self):
        return self.cve


class Product(models.Model):
    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="products")
    vendor = models.CharField(max_length=120)
    name = models.CharField(max_length=200)
    versions = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.vendor} {self.name}"


class Reference(models.Model):
    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="references")
    url = models.URLField(max_length=500)
    summary = models.CharField(max_length=250, blank=True)

    def __str__(self):
        return self.url


def attachment_path(instance, filename):
    return f"advisories/{instance.advisory.uid}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A document for recipients: allow-listed types only, checked by content, size-limited."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    mime = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    tlp = models.CharField(max_length=16, choices=Tlp.choices, blank=True)  # only ever stricter
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class Revision(models.Model):
    """An immutable snapshot of what was published (and when, by whom, approved by whom)."""

    advisory = models.ForeignKey(Advisory, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveSmallIntegerField()
    snapshot = models.JSONField()
    change_note = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    # the exported CSAF file's SHA-512 and detached signature, made once on first export
    csaf_sha512 = models.CharField(max_length=128, blank=True)
    csaf_signature = models.TextField(blank=True)

    class Meta:
        ordering = ["advisory", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["advisory", "number"], name="revision_number")
        ]

    def __str__(self):
        return f"{self.advisory.tracking_id} rev {self.number}"


class Recipient(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        VIEWED = "viewed", _("Viewed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_HEAD = "awaiting_head", _("Cannot comply: awaiting the head's approval")
        IMPLEMENTED = "implemented", _("Implemented")
        PARTIAL = "partial", _("Partially implemented")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")
        CANNOT_COMPLY = "cannot_comply", _("Cannot comply")
        RETURNED = "returned", _("Returned for more evidence")
        VERIFIED = "verified", _("Verified")

    BEFORE_ACK = (State.PENDING, State.DELIVERED, State.VIEWED)
    SUBMITTED = (State.IMPLEMENTED, State.PARTIAL, State.NOT_APPLICABLE, State.CANNOT_COMPLY)
    FINAL = (*SUBMITTED, State.VERIFIED)

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="recipients")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(  # TLP:RED: each named person answers for themselves
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    ack_due = models.DateTimeField()
    act_due = models.DateTimeField()
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    first_viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(
        max_length=16, blank=True
    )  # the outcome submitted (or awaiting the head)
    justification = models.TextField(blank=True)
    head_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    extension_until = models.DateTimeField(null=True, blank=True)  # requested act-by
    extension_reason = models.CharField(max_length=300, blank=True)
    extension_state = models.CharField(max_length=16, blank=True)  # requested | granted | refused

    class Meta:
        ordering = ["advisory", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["advisory", "organisation"],
                condition=Q(organisation__isnull=False),
                name="one_recipient_per_org",
            ),
            models.UniqueConstraint(
                fields=["advisory", "person"],
                condition=Q(person__isnull=False),
                name="one_recipient_per_person",
            ),
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(person__isnull=False),
                name="recipient_is_org_or_person",
            ),
        ]
        indexes = [models.Index(fields=["advisory", "state"])]

    def __str__(self):
        return f"{self.advisory.tracking_id} → {self.organisation or self.person}"

    def overdue(self, now=None) -> str | None:
        """'acknowledgement' or 'action' when a deadline has passed unmet (never stored)."""
        now = now or timezone.now()
        if self.advisory.state in (Advisory.State.WITHDRAWN,):
            return None
        if self.state in self.BEFORE_ACK and now > self.ack_due:
            return "acknowledgement"
        if self.state not in self.FINAL and now > self.act_due:
            return "action"
        return None


class Delivery(models.Model):
    """One notification to one person through one channel. The row is claimed before sending,
    so a restarted worker never sends it twice."""

    class Channel(models.TextChoices):
        APP = "app", _("In the app")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="deliveries")
    revision = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24, default="published")  # published, revised, reminder…
    channel = models.CharField(max_length=8, choices=Channel.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    address = models.EmailField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # in-app notices

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "person", "channel", "kind", "revision"], name="deliver_once"
            )
        ]
        indexes = [models.Index(fields=["status", "channel"])]

    def __str__(self):
        return f"{self.channel} {self.person_id} {self.status}"


class MeasureResponse(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")
        CANNOT = "cannot", _("Cannot do")

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="responses")
    measure_number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    note = models.TextField(_("what was done"), blank=True, max_length=2000)
    justification = models.TextField(_("justification"), blank=True, max_length=2000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "measure_number"], name="one_response_per_measure"
            )
        ]

    def __str__(self):
        return f"{self.recipient_id} #{self.measure_number}: {self.status}"


def evidence_path(instance, filename):
    return f"evidence/{instance.response.recipient.advisory.uid}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    response = models.ForeignKey(
        MeasureResponse, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path)
    name = models.CharField(max_length=200)
    mime = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class Message(models.Model):
    """The thread between the issuer and one recipient."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    from_issuer = models.BooleanField(default=False)
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recipient", "created_at"]

    def __str__(self):
        return f"{self.recipient_id}: {self.body[:40]}"


class Escalation(models.Model):
    """A reminder or escalation, claimed once per (recipient, step): never sent twice."""

    class Step(models.TextChoices):
        ACK_SOON = "ack_soon", _("Acknowledgement due soon")
        ACK_OVERDUE = "ack_overdue", _("Acknowledgement overdue: to the head")
        ACK_ISSUER = "ack_issuer", _("Acknowledgement overdue: to the issuer")
        ACT_SOON = "act_soon", _("Action due soon")
        ACT_OVERDUE = "act_overdue", _("Action overdue: to the head")
        ACT_ISSUER = "act_issuer", _("Action overdue: to the issuer")

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="escalations")
    step = models.CharField(max_length=16, choices=Step.choices)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "step"], name="escalate_once")]

    def __str__(self):
        return f"{self.recipient_id} {self.step}"


class IssuerKey(models.Model):
    """An issuing body's OpenPGP signing key. The private key is stored encrypted with a
    passphrase derived from ADVISORY_SIGNING_SECRET (environment), never in the clear."""

    issuer = models.OneToOneField("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    fingerprint = models.CharField(max_length=64, unique=True)
    public_key = models.TextField()  # ASCII-armoured
    private_key = models.TextField()  # ASCII-armoured, passphrase-protected
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.issuer_id} {self.fingerprint}"


class FeedToken(models.Model):
    """A personal token for the TLP:GREEN titles feed (a feed reader cannot sign in)."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the token
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"feed token of {self.person_id}"
