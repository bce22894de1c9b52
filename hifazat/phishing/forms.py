"""Forms for the operator's pages. The owner field offers only owners the operator may choose;
lists of templates, pages, profiles and organisations only what the operator may use."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hifazat.learning.models import Course
from hifazat.orgs.models import Organisation, Person
from hifazat.phishing import selectors
from hifazat.phishing.models import (
    Campaign,
    EmailTemplate,
    LandingPage,
    RemedialRule,
    SendingProfile,
)

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
NATIONAL = "national"
VARIANTS = 4
WEEKDAYS = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
    (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]


class OwnedForm(forms.ModelForm):
    """Adds the owner choice: national (for national operators) or one of the operator's orgs."""

    owner = forms.ChoiceField(label=gettext_lazy("Owner"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = []
        for org in selectors.owner_choices(user):
            choices.append((NATIONAL, _("National")) if org is None else (str(org.pk), org.name))
        self.fields["owner"].choices = choices
        if self.instance.pk:
            self.fields["owner"].disabled = True
            self.fields["owner"].choices = [
                (
                    str(self.instance.organisation_id or NATIONAL),
                    self.instance.organisation.name
                    if self.instance.organisation
                    else _("National"),
                )
            ]
            self.initial["owner"] = str(self.instance.organisation_id or NATIONAL)
        self.order_fields(["name", "owner"])

    def clean_owner(self):
        value = self.cleaned_data["owner"]
        if self.instance.pk:
            return self.instance.organisation
        return None if value == NATIONAL else Organisation.objects.get(pk=int(value))

    def save(self, commit=False):
        obj = super().save(commit=False)
        if not obj.pk:
            obj.organisation = self.cleaned_data["owner"]
        return obj


class TemplateForm(OwnedForm):
    red_flags_text = forms.CharField(
        label=gettext_lazy("Red flags"),
        help_text=gettext_lazy("One a line: shown on the landing page after a click."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    class Meta:
        model = EmailTemplate
        fields = [
            "name",
            "language",
            "difficulty",
            "impersonates",
            "sender_name",
            "sender_address",
            "subject",
            "text",
            "html",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 10}),
            "html": forms.Textarea(attrs={"rows": 12, "dir": "ltr", "class": "font-monospace"}),
            "difficulty": forms.NumberInput(attrs={"min": 1, "max": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("red_flags_text", "\n".join(self.instance.red_flags or []))

    def save(self, commit=False):
        obj = super().save()
        obj.red_flags = self.cleaned_data["red_flags_text"].splitlines()
        return obj


class LandingForm(OwnedForm):
    class Meta:
        model = LandingPage
        fields = ["name", "language", "has_form", "form_title", "form_intro", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}


class ProfileForm(OwnedForm):
    password = forms.CharField(
        label=gettext_lazy("Password"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "Stored encrypted and never shown again. Leave empty to keep the stored one."
        ),
    )
    remove_password = forms.BooleanField(
        label=gettext_lazy("Remove the stored password"), required=False
    )

    class Meta:
        model = SendingProfile
        fields = [
            "name",
            "host",
            "port",
            "security",
            "username",
            "envelope_from",
            "rate_per_minute",
            "messages_per_connection",
        ]

    def new_password(self) -> str | None:
        if self.cleaned_data.get("remove_password"):
            return ""
        return self.cleaned_data.get("password") or None


class CampaignForm(OwnedForm):
    audience = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Organisations"),
        queryset=Organisation.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    exclude_orgs = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Leave out these organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    exclude_emails = forms.CharField(
        label=gettext_lazy("Leave out these people"),
        help_text=gettext_lazy("Work e-mail addresses, one a line (people on leave, VIPs …)."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
    )
    track_choice = forms.MultipleChoiceField(
        label=gettext_lazy("Tracks"),
        choices=Person.Track.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: everyone."),
    )
    days = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Business days"),
        choices=WEEKDAYS,
        coerce=int,
        initial=[0, 1, 2, 3, 4],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "profile",
            "include_suborgs",
            "grade_min",
            "grade_max",
            "start_at",
            "send_by",
            "business_start",
            "business_end",
            "jitter_minutes",
            "authorised_by",
            "authorisation_reference",
            "pseudonymous",
        ]
        widgets = {
            "start_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
            "send_by": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
            "business_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "business_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        reach = selectors.orgs_in_reach(user).order_by("path")
        self.fields["audience"].queryset = reach
        self.fields["exclude_orgs"].queryset = reach
        self.fields["profile"].queryset = selectors.library_visible_to(user, SendingProfile)
        self.fields["profile"].required = True
        templates = selectors.library_visible_to(user, EmailTemplate).filter(archived=False)
        pages = selectors.library_visible_to(user, LandingPage).filter(archived=False)
        variants = list(self.instance.variants.all()) if self.instance.pk else []
        for i in range(VARIANTS):
            current = variants[i] if i < len(variants) else None
            self.fields[f"template_{i}"] = forms.ModelChoiceField(
                label=_("Variant %(n)s: e-mail template") % {"n": chr(ord("A") + i)},
                queryset=templates,
                required=i == 0,
                initial=current.template_id if current else None,
            )
            self.fields[f"landing_{i}"] = forms.ModelChoiceField(
                label=_("Variant %(n)s: landing page") % {"n": chr(ord("A") + i)},
                queryset=pages,
                required=i == 0,
                initial=current.landing_id if current else None,
            )
        if self.instance.pk:
            self.initial["audience"] = list(
                self.instance.audience_orgs.values_list("pk", flat=True)
            )
            self.initial["exclude_orgs"] = list(
                self.instance.excluded_orgs.values_list("pk", flat=True)
            )
            self.initial["exclude_emails"] = "\n".join(
                self.instance.excluded_people.values_list("email", flat=True)
            )
            self.initial["track_choice"] = self.instance.tracks
            self.initial["days"] = self.instance.business_days
        for name in ("start_at", "send_by"):
            self.fields[name].input_formats = [LOCAL_INPUT]

    def clean_exclude_emails(self):
        lines = [line.strip().lower() for line in self.cleaned_data["exclude_emails"].splitlines()]
        lines = [line for line in lines if line]
        found = {
            p.email.lower(): p
            for p in selectors.people_in_reach(self.user).filter(email__in=lines)
        }
        missing = [
            _("line %(n)s: %(email)s is not in your organisations' people")
            % {"n": n, "email": line}
            for n, line in enumerate(lines, start=1)
            if line not in found
        ]
        if missing:
            raise forms.ValidationError(missing)
        return list(found.values())

    def clean(self):
        data = super().clean()
        pairs = []
        for i in range(VARIANTS):
            template, landing = data.get(f"template_{i}"), data.get(f"landing_{i}")
            if bool(template) != bool(landing):
                self.add_error(
                    f"landing_{i}" if template else f"template_{i}",
                    _("Choose both an e-mail template and a landing page, or neither."),
                )
            elif template:
                pairs.append((template, landing))
        data["pairs"] = pairs
        return data

    def save(self, commit=False):
        obj = super().save()
        obj.tracks = self.cleaned_data["track_choice"]
        obj.business_days = self.cleaned_data["days"]
        return obj


class RemedialRuleForm(OwnedForm):
    class Meta:
        model = RemedialRule
        fields = [
            "name",
            "active",
            "course",
            "on_human_click",
            "on_submit",
            "window_days",
            "min_gap_days",
            "due_days",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(current_version__isnull=False)
        self.fields["course"].label_from_instance = lambda c: c.local_title

    def clean(self):
        data = super().clean()
        if not data.get("on_human_click") and not data.get("on_submit"):
            raise forms.ValidationError(
                _("Choose what enrols people: a human click, a form submission, or both.")
            )
        return data
