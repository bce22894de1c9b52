"""URL configuration. Every route carries an access policy (see hifazat.orgs.access)."""

import functools

import allauth.urls
from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from hifazat.api.api import api
from hifazat.orgs.access import (
    ACCOUNT,
    API_PUBLIC,
    API_TOKEN,
    DISABLED,
    PLATFORM_ADMINS,
    PUBLIC,
    Policy,
)

# allauth's pages: these are reachable signed out (signing in, resetting a password, the
# second-factor step of a sign-in); every other allauth page needs a signed-in person.
ALLAUTH_PUBLIC = {
    "account_login",
    "account_logout",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_inactive",
    "account_confirm_email",
    "account_email_verification_sent",
    "mfa_authenticate",
    "mfa_trust",
    "account_login_code_confirm",
    "account_request_login_code",
    "account_confirm_password_reset_code",
    "account_confirm_login_code",
}


def with_policy(patterns, choose):
    """Attach a policy to every view in included third-party URL patterns."""
    for p in patterns:
        if isinstance(p, URLResolver):
            with_policy(p.url_patterns, choose)
        elif isinstance(p, URLPattern):
            policy: Policy = choose(p)
            try:
                p.callback.access_policy = policy
            except AttributeError:  # a bound method (some admin views): wrap it
                p.callback = _wrapped(p.callback, policy)
    return patterns


def _wrapped(view, policy):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    wrapper.access_policy = policy
    return wrapper


# Work e-mail addresses come from HR lists; people cannot change their own (it is their
# identity and their reset channel), and nobody signs up.
ALLAUTH_DISABLED = {
    "account_email",
    "account_signup",
    "account_confirm_email",
    "account_email_verification_sent",
}


def _allauth_policy(p: URLPattern) -> Policy:
    if p.name in ALLAUTH_DISABLED:
        return DISABLED
    return PUBLIC if p.name in ALLAUTH_PUBLIC else ACCOUNT


with_policy(allauth.urls.urlpatterns, _allauth_policy)

api_urls = api.urls
with_policy(
    api_urls[0],
    lambda p: (
        API_PUBLIC
        if p.name in ("openapi-json", "openapi-view", "api-root", "verify_certificate")
        else API_TOKEN
    ),
)

urlpatterns = [
    path("api/v1/", api_urls),
    path("", include("hifazat.core.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("hifazat.orgs.urls")),
    path("audit/", include("hifazat.audit.urls")),
    path("", include("hifazat.learning.urls")),
    path("", include("hifazat.events.urls")),
    path("", include("hifazat.advisories.urls")),
    path("", include("hifazat.phishing.urls")),
    path("", include("hifazat.labs.urls")),
    path("", include("hifazat.reports.urls")),
]

if settings.ADMIN_ENABLED:
    from django.contrib import admin

    admin_urls = admin.site.urls  # a property that builds new patterns on each access
    with_policy(admin_urls[0], lambda p: PLATFORM_ADMINS)
    urlpatterns.append(path("admin/", admin_urls))

handler404 = "hifazat.core.views.not_found"
handler500 = "hifazat.core.views.server_error"
