"""Formatting a dashboard cell by its column's kind; "no data" where there is nothing to count."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import formats
from django.utils.translation import gettext as _

from hifazat.core.templatetags.hifazat import duration

register = template.Library()


@register.filter
def cell(value, kind: str):
    if value is None or value == "":
        return _("no data") if kind != "text" else ""
    if kind in ("pct", "score"):
        return f"{100 * value:.1f} %" if kind == "pct" else f"{100 * value:.0f}"
    if kind == "gain":
        return f"{value:.2f}"
    if kind == "delta":
        return f"{100 * value:+.1f}"
    if kind == "duration":
        return duration(value)
    if kind == "int":
        return intcomma(value)
    if kind == "date":
        return formats.date_format(value, "j M Y") if hasattr(value, "year") else value
    return value


@register.filter
def share(value):
    """A share for a chart's data-value ('' for none)."""
    return "" if value is None else f"{value:.4f}"
