"""Encryption of stored credentials (SMTP passwords of sending profiles).

Keys come from the environment (``CREDENTIALS_KEYS``, or ``CREDENTIALS_KEYS_FILE``): Fernet keys,
comma separated. The first encrypts; every key decrypts, so a key is rotated by putting a new one
first, running ``hifazat phishing rotate-credentials`` and then removing the old one. Without a
configured key an installation-local key file in ``HIFAZAT_VAR_DIR`` is made (deploy check
hifazat.W006 warns: a multi-node deployment must share one key).
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretError(Exception):
    pass


def _local_key() -> str:
    path = settings.VAR_DIR / "credentials_key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


@cache
def _box(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError:
        raise SecretError("CREDENTIALS_KEYS holds a key that is not a Fernet key.") from None


def box() -> MultiFernet:
    return _box(tuple(settings.CREDENTIALS_KEYS) or (_local_key(),))


def encrypt(plain: str) -> str:
    return box().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return box().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise SecretError(
            "A stored credential cannot be decrypted with the configured CREDENTIALS_KEYS."
        ) from None


def rotate(token: str) -> str:
    return box().rotate(token.encode("ascii")).decode("ascii") if token else token
