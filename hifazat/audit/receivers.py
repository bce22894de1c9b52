"""Sign-in events come from Django and allauth signals; the audit log records them here."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from hifazat.audit.services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Never the password; the e-mail typed only as the key that was tried.
    audit_record(
        actor=None,
        action="auth.login_failed",
        data={"email": str(credentials.get("email", ""))[:200]},
    )
