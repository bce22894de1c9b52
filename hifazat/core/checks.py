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
    rl = settings.ACCOUNT_RATE_LIMITS
    if not rl or not rl.get("login_failed"):
        problems.append(
            Error(
                "Login throttling (ACCOUNT_RATE_LIMITS['login_failed']) is off.", id="hifazat.E007"
            )
        )
    return problems
