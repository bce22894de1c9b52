"""Forms for events. Days and quotas are typed as lines (quick to enter, easy to copy from a
letter), each line checked and any mistake named by its line number."""

from __future__ import annotations

import re
from datetime import date, time

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hifazat.events.models import Event, Partner, Venue
from hifazat.events.services import DaySpec
from hifazat.learning.models import Course
from hifazat.orgs.models import Organisation, Person, RoleAssignment
from hifazat.orgs.roles import Role

DAY_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$")
QUOTA_LINE = re.compile(r"^([A-Za-z0-9_.-]+)\s*[:=\s]\s*(\d+)$")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def https_urls(field, **kwargs):
    """Model fields as form fields; a web address typed without a scheme is taken as https."""
    from django.db import models

    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class EventForm(forms.ModelForm):
    days_text = forms.CharField(
        label=gettext_lazy("Days"),
        help_text=gettext_lazy("One day a line: date, start–end, e.g. 2026-12-14 09:30-16:00"),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
    )
    quotas_text = forms.CharField(
        label=gettext_lazy("Seat quotas"),
        required=False,
        help_text=gettext_lazy(
            "One organisation a line: its code and seats, e.g. MOITT 5. Leave empty if the "
            "event is open to every organisation."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr"}),
    )
    trainers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Trainers"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    class Meta:
        model = Event
        formfield_callback = https_urls
        fields = [
            "title",
            "course",
            "partner",
            "mode",
            "venue",
            "joining_link",
            "description",
            "capacity",
            "open_to_all",
            "nomination_opens",
            "nomination_closes",
            "attendance_required",
            "final_test_required",
        ]
        widgets = {
            "nomination_opens": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=LOCAL_INPUT
            ),
            "nomination_closes": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=LOCAL_INPUT
            ),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(current_version__isnull=False)
        self.fields["partner"].queryset = Partner.objects.all()
        self.fields["venue"].queryset = Venue.objects.all()
        trainer_ids = RoleAssignment.objects.current().filter(role=Role.TRAINER).values("person")
        self.fields["trainers"].queryset = Person.objects.filter(
            pk__in=trainer_ids, is_active=True
        )
        for name in ("nomination_opens", "nomination_closes"):
            self.fields[name].input_formats = [LOCAL_INPUT, "%Y-%m-%d %H:%M"]
        event = self.instance
        if event.pk and not self.is_bound:
            self.initial["days_text"] = "\n".join(
                f"{d.date:%Y-%m-%d} {d.starts:%H:%M}-{d.ends:%H:%M}" for d in event.days.all()
            )
            self.initial["quotas_text"] = "\n".join(
                f"{q.organisation.code} {q.seats}"
                for q in event.quotas.select_related("organisation")
            )
            self.initial["trainers"] = list(event.trainers.all())

    def clean_days_text(self) -> list[DaySpec]:
        days, errors = [], []
        for number, line in enumerate(self.cleaned_data["days_text"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            m = DAY_LINE.match(line)
            try:
                if not m:
                    raise ValueError
                day = date.fromisoformat(m.group(1))
                starts, ends = (
                    time.fromisoformat(f"{int(t.split(':')[0]):02d}:{t.split(':')[1]}")
                    for t in m.groups()[1:]
                )
            except ValueError:
                errors.append(
                    _("Line %(n)d: “%(line)s” is not a date and times (2026-12-14 09:30-16:00).")
                    % {"n": number, "line": line}
                )
                continue
            if ends <= starts:
                errors.append(_("Line %(n)d: the day ends before it starts.") % {"n": number})
            days.append(DaySpec(day, starts, ends))
        if errors:
            raise forms.ValidationError(errors)
        if not days:
            raise forms.ValidationError(_("Give at least one day."))
        return sorted(days, key=lambda d: d.date)

    def clean_quotas_text(self) -> dict:
        quotas, errors, codes = {}, [], {}
        lines = [
            (n, line.strip())
            for n, line in enumerate(self.cleaned_data["quotas_text"].splitlines(), start=1)
            if line.strip()
        ]
        wanted = {
            QUOTA_LINE.match(line).group(1).upper() for _n, line in lines if QUOTA_LINE.match(line)
        }
        codes = (
            {o.code.upper(): o for o in Organisation.objects.filter(code__in=wanted)}
            if wanted
            else {}
        )
        for number, line in lines:
            m = QUOTA_LINE.match(line)
            if not m:
                errors.append(
                    _("Line %(n)d: “%(line)s” is not an organisation code and a number of seats.")
                    % {"n": number, "line": line}
                )
                continue
            org = codes.get(m.group(1).upper())
            if org is None:
                errors.append(
                    _("Line %(n)d: there is no organisation with the code %(code)s.")
                    % {"n": number, "code": m.group(1)}
                )
                continue
            if org in quotas:
                errors.append(
                    _("Line %(n)d: %(code)s is listed twice.") % {"n": number, "code": org.code}
                )
            quotas[org] = int(m.group(2))
        if errors:
            raise forms.ValidationError(errors)
        return quotas

    def clean(self):
        data = super().clean()
        quotas = data.get("quotas_text") or {}
        if data.get("open_to_all") and quotas:
            self.add_error("quotas_text", _("An event open to every organisation has no quotas."))
        capacity = data.get("capacity")
        if capacity and sum(quotas.values()) > 0 and max(quotas.values()) > capacity:
            self.add_error("quotas_text", _("No quota can exceed the event's seats."))
        return data


class CopyForm(forms.Form):
    first_date = forms.DateField(
        label=gettext_lazy("First day of the new round"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class NominateForm(forms.Form):
    people = forms.CharField(
        label=gettext_lazy("People (employee numbers or e-mails, one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "ltr"}),
    )
    file = forms.FileField(
        label=gettext_lazy("Or a CSV or Excel file with a column employee_number or email"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if not data.get("people", "").strip() and not data.get("file"):
            raise forms.ValidationError(_("List people or choose a file."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", gettext_lazy("Approve")),
            ("waitlist", gettext_lazy("Waitlist")),
            ("reject", gettext_lazy("Reject")),
        ]
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (needed to reject)"), required=False, max_length=300
    )


class FeedbackForm(forms.Form):
    SCALE = [(i, str(i)) for i in range(1, 6)]
    content = forms.TypedChoiceField(
        label=gettext_lazy("The content was useful for my work"),
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    trainer = forms.TypedChoiceField(
        label=gettext_lazy("The trainer explained clearly"),
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    arrangements = forms.TypedChoiceField(
        label=gettext_lazy("The venue or online arrangements worked"),
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    overall = forms.TypedChoiceField(
        label=gettext_lazy("Overall"), choices=SCALE, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=gettext_lazy("Comments (optional, anonymous)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        formfield_callback = https_urls
        fields = ["code", "name", "name_ur", "website"]


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "city", "address", "capacity", "partner"]
