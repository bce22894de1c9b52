"""The advisory form: the fields, and the structured parts typed one per line."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hifazat.advisories import fields
from hifazat.advisories.models import Advisory, Recipient, SharingGroup
from hifazat.orgs import access
from hifazat.orgs.models import Organisation, Person
from hifazat.orgs.roles import Role

LOCAL = "%Y-%m-%dT%H:%M"


class AdvisoryForm(forms.ModelForm):
    measures_text = forms.CharField(
        label=gettext_lazy("Recommended measures"),
        help_text=gettext_lazy(
            "One measure a line, in order. Start a line with “optional:” for a measure that is not "
            "mandatory; end it with “[evidence]” when the organisation must attach evidence."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    indicators_text = forms.CharField(
        label=gettext_lazy("Indicators"),
        required=False,
        help_text=gettext_lazy(
            "One a line: type, value, description — e.g. “ipv4 192.0.2.10 C2 server”. Types: ipv4, "
            "ipv6, domain, url, email, md5, sha1, sha256, filename, phone, app. End a line with "
            "“tlp:AMBER+STRICT” (or RED) to restrict that indicator further."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "dir": "ltr"}),
    )
    vulnerabilities_text = forms.CharField(
        label=gettext_lazy("Vulnerabilities"),
        required=False,
        help_text=gettext_lazy(
            "One a line: the CVE id, its CVSS v3.1 and/or v4.0 vector, and “kev” if it is known to "
            "be exploited. Scores and severity are computed from the vectors."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
    )
    products_text = forms.CharField(
        label=gettext_lazy("Products"),
        required=False,
        help_text=gettext_lazy("One a line: vendor | product | affected versions"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    references_text = forms.CharField(
        label=gettext_lazy("References"),
        required=False,
        help_text=gettext_lazy("One a line: a web address, then a short description"),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
    )
    people_text = forms.CharField(
        label=gettext_lazy("Named people (TLP:RED): work e-mails, one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
    )

    class Meta:
        model = Advisory
        fields = [
            "issuer",
            "title",
            "kind",
            "severity",
            "tlp",
            "reference_no",
            "summary",
            "background",
            "audience",
            "sharing_group",
            "organisations",
            "include_children",
            "ack_due",
            "act_due",
            "change_note",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "background": forms.Textarea(attrs={"rows": 6}),
            "ack_due": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL),
            "act_due": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL),
            "organisations": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        issuers = access.scoped_organisations(user, Role.ADVISORY_AUTHOR)
        self.fields["issuer"].queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in issuers]
        )
        self.fields["issuer"].empty_label = None
        self.fields["sharing_group"].queryset = SharingGroup.objects.all()
        self.fields["organisations"].queryset = Organisation.objects.order_by("path")
        self.fields["organisations"].required = False
        for name in ("ack_due", "act_due"):
            self.fields[name].input_formats = [LOCAL, "%Y-%m-%d %H:%M"]
        if self.instance.pk:
            self.fields["issuer"].disabled = True
            a = self.instance
            if not self.is_bound:
                self.initial.update(
                    measures_text="\n".join(
                        ("" if m.mandatory else "optional: ")
                        + m.text
                        + (" [evidence]" if m.evidence_required else "")
                        for m in a.measures.all()
                    ),
                    indicators_text="\n".join(
                        f"{i.type} {i.value} {i.description}".strip()
                        + (f" tlp:{i.tlp}" if i.tlp else "")
                        for i in a.indicators.all()
                    ),
                    vulnerabilities_text="\n".join(
                        " ".join(
                            x for x in (v.cve, v.cvss_v31, v.cvss_v40, "kev" if v.kev else "") if x
                        )
                        for v in a.vulnerabilities.all()
                    ),
                    products_text="\n".join(
                        f"{p.vendor} | {p.name} | {p.versions}" for p in a.products.all()
                    ),
                    references_text="\n".join(
                        f"{r.url} {r.summary}".strip() for r in a.references.all()
                    ),
                    people_text="\n".join(p.email for p in a.people.all()),
                )
        else:
            # nothing has changed yet; a hidden input would leave its label on the page alone
            del self.fields["change_note"]

    def _parsed(self, name, parser, *args):
        result = parser(self.cleaned_data.get(name, ""), *args)
        if result.errors:
            raise forms.ValidationError(result.errors)
        return result.items

    def clean_measures_text(self):
        items = self._parsed("measures_text", fields.parse_measures)
        if not items:
            raise forms.ValidationError(_("Give at least one measure."))
        return items

    def clean_vulnerabilities_text(self):
        return self._parsed("vulnerabilities_text", fields.parse_vulnerabilities)

    def clean_products_text(self):
        return self._parsed("products_text", fields.parse_products)

    def clean_references_text(self):
        return self._parsed("references_text", fields.parse_references)

    def clean_people_text(self):
        emails = [
            e.strip().lower()
            for e in self.cleaned_data.get("people_text", "").split()
            if e.strip()
        ]
        people = list(Person.objects.filter(email__in=emails, is_active=True))
        unknown = sorted(set(emails) - {p.email for p in people})
        if unknown:
            raise forms.ValidationError(
                _("Nobody active has these e-mails: %(e)s") % {"e": ", ".join(unknown)}
            )
        return people

    def clean(self):
        data = super().clean()
        tlp = data.get("tlp")
        if tlp and "indicators_text" in self.data:
            parsed = fields.parse_indicators(self.data.get("indicators_text", ""), tlp)
            if parsed.errors:
                self.add_error("indicators_text", parsed.errors)
            data["indicators"] = parsed.items
        return data


class ResponseForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=[])
    note = forms.CharField(
        label=gettext_lazy("What was done"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    justification = forms.CharField(
        label=gettext_lazy("Justification (if not applicable or cannot be done)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from hifazat.advisories.models import MeasureResponse

        self.fields["status"].choices = MeasureResponse.Status.choices


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (Recipient.State.IMPLEMENTED, gettext_lazy("Implemented")),
            (Recipient.State.PARTIAL, gettext_lazy("Partially implemented")),
            (Recipient.State.NOT_APPLICABLE, gettext_lazy("Not applicable")),
            (
                Recipient.State.CANNOT_COMPLY,
                gettext_lazy("Cannot comply (goes to the head for approval)"),
            ),
        ],
    )
    justification = forms.CharField(
        label=gettext_lazy("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtensionForm(forms.Form):
    until = forms.DateTimeField(
        label=gettext_lazy("New act-by date"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=[LOCAL],
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class SharingGroupForm(forms.ModelForm):
    class Meta:
        model = SharingGroup
        fields = ["name", "description", "organisations", "include_children"]
        widgets = {"organisations": forms.SelectMultiple(attrs={"size": 12})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.order_by("path")
        self.fields["organisations"].label = gettext_lazy("Organisations")
