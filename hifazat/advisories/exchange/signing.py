"""Authenticity of exported advisories: each issuing body has an OpenPGP key made and kept by the
platform (Ed25519, made with GnuPG); every published CSAF file gets a SHA-512 file and a detached,
ASCII-armoured signature, which anyone can check with the public key the site offers:

    gpg --import ntisb.asc
    gpg --verify ntisb-adv-2026-012.json.asc ntisb-adv-2026-012.json
    sha512sum -c ntisb-adv-2026-012.json.sha512

The private key is stored encrypted with a passphrase derived from ADVISORY_SIGNING_SECRET (set in
the environment; a deploy check warns when it is missing), so a copy of the database alone cannot
sign. GnuPG runs in a throwaway home directory for each operation.
"""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction


class SigningError(Exception):
    pass


def _passphrase() -> str:
    secret = settings.ADVISORY_SIGNING_SECRET or settings.SECRET_KEY
    return hmac.new(secret.encode(), b"hifazat advisory signing key", hashlib.sha256).hexdigest()


@contextmanager
def _gpg():
    import gnupg

    with tempfile.TemporaryDirectory(prefix="hz-gpg-") as home:
        try:
            yield gnupg.GPG(gnupghome=home)
        finally:  # no agent left running for a directory that is about to vanish
            subprocess.run(
                ["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True, check=False
            )


@transaction.atomic
def issuer_key(issuer):
    """The issuer's key, made on first use."""
    from hifazat.advisories.models import IssuerKey

    existing = IssuerKey.objects.select_for_update().filter(issuer=issuer).first()
    if existing:
        return existing
    domain = (issuer.email_domains or ["hifazat.gov.example"])[0]
    passphrase = _passphrase()
    with _gpg() as gpg:
        spec = gpg.gen_key_input(
            key_type="EDDSA",
            key_curve="ed25519",
            key_usage="sign",
            name_real=f"{issuer.name} (Hifazat advisories)",
            name_email=f"advisories@{domain}",
            passphrase=passphrase,
            expire_date=0,
        )
        made = gpg.gen_key(spec)
        fingerprint = str(made.fingerprint or "")
        if not fingerprint:
            raise SigningError(f"GnuPG could not make a key: {made.stderr[-300:]}")
        public = gpg.export_keys(fingerprint)
        private = gpg.export_keys(fingerprint, secret=True, passphrase=passphrase)
    if "PRIVATE KEY" not in private:
        raise SigningError("GnuPG did not export the private key")
    from hifazat.audit.services import audit_record

    key = IssuerKey.objects.create(
        issuer=issuer, fingerprint=fingerprint, public_key=public, private_key=private
    )
    audit_record(
        actor=None,
        action="advisory.signing_key_created",
        obj=key,
        data={"fingerprint": fingerprint},
    )
    return key


def sign(issuer, data: bytes) -> str:
    """A detached, ASCII-armoured signature of ``data`` with the issuer's key."""
    key = issuer_key(issuer)
    passphrase = _passphrase()
    with _gpg() as gpg:
        imported = gpg.import_keys(key.private_key, passphrase=passphrase)
        if not imported.fingerprints:
            raise SigningError(
                "the stored key could not be read (is ADVISORY_SIGNING_SECRET the one it was made with?)"
            )
        signature = gpg.sign(data, keyid=key.fingerprint, detach=True, passphrase=passphrase)
        if not signature.data:
            raise SigningError(f"GnuPG could not sign: {signature.stderr[-300:]}")
        return str(signature)


@dataclass
class Verdict:
    valid: bool
    fingerprint: str
    message: str


def verify(data: bytes, signature: str, public_keys: list[str]) -> Verdict:
    """Check ``signature`` over ``data`` against the given public keys (none other is trusted)."""
    with _gpg() as gpg:
        for key in public_keys:
            gpg.import_keys(key)
        with tempfile.NamedTemporaryFile("w", suffix=".asc", delete=False) as sig_file:
            sig_file.write(signature)
        try:
            result = gpg.verify_data(sig_file.name, data)
        finally:
            Path(sig_file.name).unlink(missing_ok=True)
    fingerprint = str(result.fingerprint or "")
    if result.valid:
        return Verdict(True, fingerprint, f"Good signature by {result.username} ({fingerprint})")
    if result.status == "no public key":
        return Verdict(
            False, str(result.key_id or ""), "Signed with a key this site does not hold"
        )
    return Verdict(False, fingerprint, f"BAD signature ({result.status or 'unreadable'})")


def sha512_line(data: bytes, filename: str) -> str:
    """The line ``sha512sum -c`` checks."""
    return f"{hashlib.sha512(data).hexdigest()}  {filename}\n"
