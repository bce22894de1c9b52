"""Courses (versioned snapshots of the curriculum files), enrolments, progress, certificates.

A course's content is loaded from ``curriculum/`` into an immutable :class:`CourseVersion`;
a change to the files makes a new version, and each enrolment keeps the version it began.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Localised:
    """``local_title`` / ``local_summary``: the Urdu text when Urdu is active and there is one."""

    def _local(self, field: str) -> str:
        if (get_language() or "").startswith("ur"):
            urdu = getattr(self, f"{field}_ur", "")
            if urdu:
                return urdu
        return getattr(self, field)

    @property
    def local_title(self) -> str:
        return self._local("title")

    @property
    def local_summary(self) -> str:
        return self._local("summary")


class Course(Localised, models.Model):
    class Audience(models.TextChoices):
        ALL_STAFF = "all_staff", _("All staff")
        IT_ADMIN = "it_admin", _("IT administrators")

    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_ur = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    summary_ur = models.TextField(blank=True)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    prerequisite = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_version = models.ForeignKey(
        "CourseVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.title


class CourseVersion(Localised, models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    title_ur = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    summary_ur = models.TextField(blank=True)
    validity_months = models.PositiveSmallIntegerField(default=12)
    pass_mark = models.PositiveSmallIntegerField(default=70)
    questions_per_module = models.PositiveSmallIntegerField(default=2)
    time_limit_minutes = models.PositiveSmallIntegerField(default=30)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    languages = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["course", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="course_version_number")
        ]

    def __str__(self):
        return f"{self.course.slug} v{self.number}"


class Module(Localised, models.Model):
    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField()
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    title_ur = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    summary_ur = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "slug"], name="module_slug_per_version")
        ]

    def __str__(self):
        return self.title


class Lesson(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField()
    language = models.CharField(max_length=8, default="en")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    minutes = models.PositiveSmallIntegerField(default=5)
    html = models.TextField()  # rendered and sanitised when loaded

    class Meta:
        ordering = ["module", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "slug", "language"], name="lesson_per_language"
            )
        ]

    def __str__(self):
        return self.title


class Enrolment(models.Model):
    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolled")
        ASSIGNED = "assigned", _("Assigned")
        NOMINATED = "nominated", _("Nominated")
        REMEDIAL = "remedial", _("Remedial")

    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    version = models.ForeignKey(CourseVersion, on_delete=models.PROTECT, related_name="enrolments")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SELF)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_lesson = models.ForeignKey(
        Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course"],
                condition=Q(status="active"),
                name="one_active_enrolment_per_course",
            )
        ]
        indexes = [
            models.Index(fields=["course", "status"]),
            models.Index(fields=["due_date", "status"]),
        ]

    def __str__(self):
        return f"{self.person} — {self.course}"

    @property
    def overdue(self) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


class LessonProgress(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    module_slug = models.SlugField()
    lesson_slug = models.SlugField()
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "module_slug", "lesson_slug"], name="lesson_done_once"
            )
        ]

    def __str__(self):
        return f"{self.enrolment_id}: {self.module_slug}/{self.lesson_slug}"


class Reminder(models.Model):
    """One row per (enrolment, kind): claimed before sending, so a restart never resends."""

    class Kind(models.TextChoices):
        BEFORE_DUE = "before_due", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "kind"], name="one_reminder_per_kind")
        ]

    def __str__(self):
        return f"{self.kind} for {self.enrolment_id}"


def certificate_code() -> str:
    # 10 characters from an unambiguous alphabet (~50 bits): printed, typed and scanned.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"HZ-{raw[:5]}-{raw[5:]}"


class Certificate(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    version = models.ForeignKey(CourseVersion, on_delete=models.PROTECT, related_name="+")
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(max_length=20, unique=True, default=certificate_code)
    full_name = models.CharField(max_length=150)  # as printed
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at"]
        # the readiness dashboards list the certificates expiring soon
        indexes = [models.Index(fields=["expires_at"], name="certificate_expiry")]

    def __str__(self):
        return self.code

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "valid"
