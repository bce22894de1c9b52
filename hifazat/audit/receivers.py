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


# Account security changes made through allauth's pages.
def _connect_allauth():
    from allauth.account import signals as account
    from allauth.mfa import signals as mfa
    from allauth.usersessions import signals as sessions

    def on(signal, action, describe=lambda kw: {}):
        def receiver(sender, request=None, user=None, **kwargs):
            if user is not None:
                audit_record(actor=user, action=action, obj=user, data=describe(kwargs))

        signal.connect(receiver, weak=False, dispatch_uid=f"hifazat-audit-{action}")

    on(account.password_changed, "auth.password_changed")
    on(account.password_set, "auth.password_set")
    on(account.password_reset, "auth.password_reset")
    on(mfa.authenticator_added, "auth.mfa_added", lambda kw: {"type": kw["authenticator"].type})
    on(
        mfa.authenticator_removed,
        "auth.mfa_removed",
        lambda kw: {"type": kw["authenticator"].type},
    )
    on(mfa.authenticator_reset, "auth.mfa_reset", lambda kw: {"type": kw["authenticator"].type})
    on(sessions.session_client_changed, "auth.session_client_changed")


_connect_allauth()
