"""Labels for the plain values stored in published snapshots (translated on display)."""

from django import template

from hifazat.advisories.models import Advisory, Indicator

register = template.Library()

CHOICES = {
    "kind": dict(Advisory.Kind.choices),
    "severity": dict(Advisory.Severity.choices),
    "indicator": dict(Indicator.Type.choices),
}


@register.filter
def advisory_label(value, kind: str):
    return CHOICES.get(kind, {}).get(value, value)
