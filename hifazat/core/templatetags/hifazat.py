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
