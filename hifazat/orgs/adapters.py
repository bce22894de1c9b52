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
        from hifazat.audit.context import current_origin

        ip = current_origin.get().ip
        return ip or super().get_client_ip(request)


class MFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets are stored encrypted with a key derived from SECRET_KEY."""

    def _fernet(self):
        import base64
        import hashlib

        from cryptography.fernet import Fernet

        digest = hashlib.sha256(b"hifazat-mfa:" + settings.SECRET_KEY.encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, text: str) -> str:
        return "f1:" + self._fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if encrypted_text.startswith("f1:"):
            return self._fernet().decrypt(encrypted_text[3:].encode()).decode()
        return encrypted_text
