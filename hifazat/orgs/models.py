"""Organisations (a tree with history), people (the custom user) and role assignments."""

from zoneinfo import available_timezones

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hifazat.orgs.roles import Role


def validate_time_zone(value: str) -> None:
    if value and value not in available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone.") % {"zone": value})


def email_in_domains(email: str, domains: list[str]) -> bool:
    """Is the address at one of ``domains`` or a subdomain of one?"""
    domain = email.rsplit("@", 1)[-1].lower()
    return any(domain == d or domain.endswith("." + d) for d in domains)


def inherited(field: str) -> dict[int, object]:
    """Every organisation's value of ``field``, or, where empty, its nearest ancestor's (an
    empty value where none has one): e-mail domains and time zones are inherited this way."""
    rows = list(Organisation.objects.values_list("pk", "path", field))
    own = {pk: value for pk, _path, value in rows}
    result = {}
    for pk, path, _value in rows:
        chain = [int(part) for part in path.strip("/").split("/") if part]
        result[pk] = next((own[a] for a in reversed(chain) if own.get(a)), own.get(pk))
    return result


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        DIVISION = "division", _("Division")
        ATTACHED_DEPARTMENT = "attached_department", _("Attached department")
        AUTONOMOUS_BODY = "autonomous_body", _("Autonomous body")
        SUB_OFFICE = "sub_office", _("Sub-office")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_ur = models.CharField(_("name in Urdu"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Materialised path of primary keys ("/3/41/77/"): a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    email_domains = models.JSONField(_("e-mail domains"), default=list, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    requires_head_approval = models.BooleanField(
        _("nominations need the head's approval"),
        default=False,
        help_text=_("Training nominations from this organisation's subtree go to its head first."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_(
            "For offices abroad (for example Europe/London). Empty: the parent's, or the "
            "platform's (Asia/Karachi)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None or self.valid_to >= timezone.localdate()

    def subtree_q(self, prefix: str = "") -> Q:
        """A filter for this organisation and all below it (``prefix`` names the relation)."""
        return Q(**{f"{prefix}path__startswith": self.path})

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class PersonManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        email = self.normalize_email(email).lower()
        person = self.model(email=email, **fields)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save(using=self._db)
        return person


class Person(AbstractBaseUser):
    """A government employee; also the account they sign in with."""

    class Track(models.TextChoices):
        GENERAL = "general", _("General staff")
        IT_ADMIN = "it_admin", _("IT administrator")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        URDU = "ur", _("Urdu")

    email = models.EmailField(_("work e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    employee_number = models.CharField(
        _("employee number"), max_length=32, unique=True, null=True, blank=True
    )
    designation = models.CharField(_("designation"), max_length=120, blank=True)
    bps_grade = models.PositiveSmallIntegerField(
        _("BPS grade"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(22)],
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("organisation"),
    )
    # Copy of the organisation's path so that subtree filters on people need no join.
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    track = models.CharField(
        _("track"), max_length=16, choices=Track.choices, default=Track.GENERAL
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    is_active = models.BooleanField(_("active"), default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["org_path", "is_active"], name="person_scope_idx"),
            models.Index(fields=["full_name", "id"], name="person_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(bps_grade__isnull=True) | Q(bps_grade__gte=1, bps_grade__lte=22),
                name="person_bps_grade_range",
            )
        ]

    def __str__(self):
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        # Single-row denormalisation: keep the organisation's path beside the person.
        if self.organisation_id:
            self.org_path = self.organisation.path
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # Django's admin asks these; only an active platform admin is staff (see orgs.access).
    @property
    def is_staff(self) -> bool:
        from hifazat.orgs.access import has_role

        return has_role(self, Role.PLATFORM_ADMIN)

    @property
    def is_superuser(self) -> bool:
        return False

    def has_perm(self, perm, obj=None):
        return self.is_active and self.is_staff

    def has_perms(self, perm_list, obj=None):
        return all(self.has_perm(p, obj) for p in perm_list)

    def has_module_perms(self, app_label):
        return self.is_active and self.is_staff


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(revoked_at__isnull=True)


class RoleAssignment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("scope"),
    )
    granted_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "organisation"],
                condition=Q(revoked_at__isnull=True),
                name="one_current_assignment_per_scope",
            ),
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=Q(revoked_at__isnull=True, organisation__isnull=True),
                name="one_current_national_assignment",
            ),
        ]

    def __str__(self):
        scope = self.organisation.code if self.organisation_id else "national"
        return f"{self.get_role_display()} ({scope})"


class PeopleImport(models.Model):
    """An uploaded HR list: checked first (preview), then applied on confirmation."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, not yet imported")
        REJECTED = "rejected", _("Rejected")
        APPLIED = "applied", _("Imported")

    uuid = models.UUIDField(unique=True, editable=False)
    created_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deactivate_missing = models.BooleanField(default=False)
    # The file itself, kept until it is applied so that the clerk need not upload it twice.
    content = models.BinaryField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices)
    report = models.JSONField(default=dict)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"


class ApiToken(models.Model):
    """A personal access token for the API. Only its SHA-256 is stored; it is shown once."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)  # shown in lists to tell tokens apart
    digest = models.CharField(max_length=64)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
