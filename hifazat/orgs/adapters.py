"""allauth adapter: no self sign-up (people come from HR lists), links built from SITE_URL."""

from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def get_reset_password_from_key_url(self, key: str) -> str:
        # Built from the configured site URL, never from the request's Host header, so a
        # forged Host cannot send a reset link that leads somewhere else.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL + path.replace("UID-KEY", quote(key))

    def is_safe_url(self, url):
        from hifazat.lib.urls import safe_next

        return safe_next(url, default=None) is not None

    def get_client_ip(self, request):
        from hifazat.lib.clientip import client_ip

        return client_ip(request) or "0.0.0.0"  # noqa: S104 - a key for the rate limit, not a bind

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys this by the request's Host: any Host would give a fresh allowance.
        login = credentials.get("email", credentials.get("username", "")) or ""
        return f"login:{login.strip().lower()}"

    def pre_login(self, request, user, **kwargs):
        from django.core.exceptions import PermissionDenied

        from hifazat.demo.accounts import DEMO_EMAILS

        # Demo accounts have a published password: outside demo mode they never sign in,
        # even if a demo database was restored into production by mistake.
        if not settings.DEMO_MODE and user.email in DEMO_EMAILS:
            raise PermissionDenied("demo account outside demo mode")
        return super().pre_login(request, user, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets are stored encrypted with a key derived from SECRET_KEY."""

    def _fernet(self):
        import base64
        import hashlib

        from cryptography.fernet import Fernet, MultiFernet

        # SECRET_KEY encrypts; SECRET_KEY_FALLBACKS still decrypt, so the key can be rotated.
        keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        return MultiFernet(
            [
                Fernet(
                    base64.urlsafe_b64encode(hashlib.sha256(b"hifazat-mfa:" + k.encode()).digest())
                )
                for k in keys
            ]
        )

    def encrypt(self, text: str) -> str:
        return "f1:" + self._fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if encrypted_text.startswith("f1:"):
            return self._fernet().decrypt(encrypted_text[3:].encode()).decode()
        return encrypted_text
