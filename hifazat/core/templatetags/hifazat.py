from django import template

register = template.Library()

_CLASSES = {"select": "form-select", "checkbox": "form-check-input", "radio": "form-check-input"}


@register.filter
def bs(field):
    """Render a bound field's widget with Bootstrap's class (and the invalid state)."""
    css = _CLASSES.get(field.widget_type, "form-control")
    if field.errors:
        css += " is-invalid"
    existing = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def fromiso(value):
    """An ISO 8601 string (as stored in JSON snapshots) as a datetime, in the local zone."""
    from datetime import datetime

    from django.utils import timezone

    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return value
    return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed


@register.filter
def pct(value, places: int = 1):
    """A share (0–1) as a percentage; a dash when there is nothing to divide by."""
    if value is None:
        return "—"
    return f"{100 * value:.{places}f} %"


@register.filter
def duration(seconds):
    """Seconds as minutes, hours or days, whichever reads best; a dash for none."""
    from django.utils.translation import gettext as _

    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(n)s min") % {"n": round(seconds / 60)}
    if seconds < 2 * 86400:
        return _("%(n)s h") % {"n": f"{seconds / 3600:.1f}"}
    return _("%(n)s days") % {"n": f"{seconds / 86400:.1f}"}
