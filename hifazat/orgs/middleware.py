"""Enforces the access policy that each view declares (see hifazat.orgs.access)."""

import logging

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from hifazat.orgs.access import is_privileged

logger = logging.getLogger(__name__)


def view_policy(view_func):
    p = getattr(view_func, "access_policy", None)
    if p is None and hasattr(view_func, "view_class"):
        p = getattr(view_func.view_class, "access_policy", None)
    return p


def session_used_mfa(request) -> bool:
    """Did this session pass the second factor (at sign-in or by re-authenticating)?"""
    records = request.session.get("account_authentication_methods", [])
    return any(r.get("method") == "mfa" for r in records)


def has_second_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class AccessPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        p = view_policy(view_func)
        if p is None:
            # Fail closed: a route without a declared policy is not served.
            logger.error("route without access policy: %s", request.path)
            raise Http404
        user = request.user
        if p.api:
            return None  # API routes check their token themselves (401 without one)
        if p.public and (p.allow_without_mfa or not user.is_authenticated):
            return None
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        # A role needs a second factor: enrolled on the account, and used in this session (a
        # password-only session that predates a role grant or an enrolment is not enough).
        # The session is checked first, so a session that passed the second factor costs no
        # query; only the others learn whether to enrol or to re-authenticate. A public page
        # that shows more to signed-in people (advisories) asks the same of them.
        if not p.allow_without_mfa and not session_used_mfa(request) and is_privileged(user):
            if not has_second_factor(user):
                return redirect(reverse("mfa_activate_totp") + "?required=1")
            return redirect_to_login(
                request.get_full_path(), login_url=reverse("mfa_reauthenticate")
            )
        if not p.allows(user):
            raise Http404
        return None
