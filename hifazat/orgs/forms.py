from django import forms
from django.utils.translation import gettext_lazy as _

from hifazat.orgs import access
from hifazat.orgs.models import Person
from hifazat.orgs.roles import Role


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    org = forms.ChoiceField(label=_("Organisation (with sub-organisations)"), required=False)
    track = forms.ChoiceField(
        label=_("Track"), required=False, choices=[("", _("Any track")), *Person.Track.choices]
    )
    grade = forms.TypedChoiceField(
        label=_("BPS grade"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any grade"))] + [(g, str(g)) for g in range(1, 23)],
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("1", _("Active")), ("0", _("Deactivated")), ("all", _("All"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = access.organisations_visible_to(user).order_by("path").only("code", "name", "depth")
        self.fields["org"].choices = [("", _("All I can see"))] + [
            (o.code, "\u2003" * o.depth + f"{o.name} ({o.code})") for o in orgs
        ]


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    organisation = forms.ChoiceField(label=_("Scope"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        grantable = access.grantable_roles(user)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in grantable]
        orgs = access.managed_organisations(user).order_by("path").only("code", "name", "depth")
        self.fields["organisation"].choices = [("", _("National (no organisation)"))] + [
            (o.code, "\u2003" * o.depth + f"{o.name} ({o.code})") for o in orgs
        ]
