"""Hifazat's own deployment checks, for what ``check --deploy`` does not cover."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def hifazat_deploy_checks(app_configs, **kwargs):
    problems = []
    if settings.DEMO_MODE:
        problems.append(
            Error(
                "HIFAZAT_DEMO is on: demo accounts have a published password.", id="hifazat.E001"
            )
        )
    if not settings.SECRET_KEY_CONFIGURED:
        problems.append(
            Warning(
                "SECRET_KEY is not set; a key generated on this machine is used. Set it (or "
                "SECRET_KEY_FILE) so that every web node shares one.",
                id="hifazat.W001",
            )
        )
    if not settings.SITE_URL.startswith("https://"):
        problems.append(Error("SITE_URL must be https:// in production.", id="hifazat.E002"))
    if (
        settings.SESSION_COOKIE_NAME != "__Host-sessionid"
        or settings.CSRF_COOKIE_NAME != "__Host-csrftoken"
    ):
        problems.append(
            Error("Session and CSRF cookies must carry the __Host- prefix.", id="hifazat.E003")
        )
    if settings.SESSION_IDLE_MINUTES > 60 or settings.SESSION_ABSOLUTE_HOURS > 24:
        problems.append(
            Warning(
                "Session timeouts are longer than 60 minutes idle / 24 hours absolute.",
                id="hifazat.W002",
            )
        )
    if settings.PASSWORD_RESET_TIMEOUT > 3600:
        problems.append(
            Error("PASSWORD_RESET_TIMEOUT must be at most one hour.", id="hifazat.E004")
        )
    directives = settings.CONTENT_SECURITY_POLICY.get("DIRECTIVES", {})
    if "'unsafe-inline'" in directives.get("script-src", []) or not directives.get("script-src"):
        problems.append(
            Error(
                "The CSP must restrict script-src and must not allow inline script.",
                id="hifazat.E005",
            )
        )
    if "locmem" in settings.CACHES["default"]["BACKEND"]:
        problems.append(
            Error(
                "A per-process cache breaks rate limits and single-use codes across workers.",
                id="hifazat.E006",
            )
        )
    if "filebased" in settings.EMAIL_BACKEND or "console" in settings.EMAIL_BACKEND:
        problems.append(
            Warning(
                "EMAIL_HOST is not set: password-reset and notice e-mails are written to files, not sent.",
                id="hifazat.W003",
            )
        )
    if not settings.TRUSTED_PROXY_COUNT:
        problems.append(
            Warning(
                "TRUSTED_PROXY_COUNT is 0: behind a reverse proxy every client would share the proxy's address "
                "for throttling and the audit log. Set it (and TRUSTED_PROXIES) to match the proxies.",
                id="hifazat.W004",
            )
        )
    if not settings.ADVISORY_SIGNING_SECRET:
        problems.append(
            Warning(
                "ADVISORY_SIGNING_SECRET is not set: the issuers' signing keys are encrypted with a "
                "key derived from SECRET_KEY, so a leak of SECRET_KEY and the database could sign "
                "forged advisories. Set a separate secret (not stored with the backups).",
                id="hifazat.W005",
            )
        )
    rl = settings.ACCOUNT_RATE_LIMITS
    if not rl or not rl.get("login_failed"):
        problems.append(
            Error(
                "Login throttling (ACCOUNT_RATE_LIMITS['login_failed']) is off.", id="hifazat.E007"
            )
        )
    return problems


@register(Tags.security, Tags.database, deploy=True)
def hifazat_demo_accounts_check(app_configs, databases=None, **kwargs):
    """No demo account (published password) may exist in a production database."""
    if not databases or settings.DEMO_MODE:
        return []
    from django.db.utils import DatabaseError

    from hifazat.demo.accounts import DEMO_EMAILS
    from hifazat.orgs.models import Person

    try:
        found = list(
            Person.objects.filter(email__in=DEMO_EMAILS).values_list("email", flat=True)[:3]
        )
    except DatabaseError:
        return []
    if found:
        return [
            Error(
                f"Demo accounts exist in this database ({', '.join(found)} …): their password is published. "
                "Deactivate or delete them.",
                id="hifazat.E008",
            )
        ]
    return []
