"""Request context for the audit log, and the absolute session lifetime."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

from hifazat.audit.context import Origin, current_origin
from hifazat.lib.clientip import client_ip

SESSION_STARTED = "hifazat_session_started"


class RequestContextMiddleware:
    """Record where each request came from (client IP only via a configured trusted proxy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip = client_ip(request)
        channel = "api" if request.path.startswith("/api/") else "web"
        token = current_origin.set(
            Origin(ip=ip, user_agent=request.headers.get("user-agent", "")[:200], channel=channel)
        )
        try:
            return self.get_response(request)
        finally:
            current_origin.reset(token)


class SessionLifetimeMiddleware:
    """End a session SESSION_ABSOLUTE_HOURS after sign-in, however active it has been.

    The idle timeout is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
