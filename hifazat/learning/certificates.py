"""Certificates as PDF (WeasyPrint, vendored fonts, QR code) and their public verification."""

from __future__ import annotations

import base64
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from hifazat.lib.clientip import client_ip

FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "fonts" / "noto-naskh-arabic" / "files"
VERIFY_PER_MINUTE = 30


def verification_url(certificate) -> str:
    return settings.SITE_URL + reverse("learning:verify", args=[certificate.code])


def qr_data_uri(text: str) -> str:
    import segno  # only when a certificate is drawn

    svg = segno.make(text, error="m").svg_inline(scale=4, dark="#0b3d2e")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def certificate_pdf(certificate, request=None) -> bytes:
    from weasyprint import HTML  # heavy: imported when a PDF is asked for

    url = verification_url(certificate)
    html = render_to_string(
        "learning/certificate_pdf.html",
        {
            "c": certificate,
            "verify_url": url,
            "qr": qr_data_uri(url),
            "font_dir": FONT_DIR.as_uri(),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def verification_allowed(request) -> bool:
    """At most VERIFY_PER_MINUTE checks a minute per address, counted in the shared cache
    (so the limit holds across every web worker)."""
    key = f"verify-rate:{client_ip(request)}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    return count <= VERIFY_PER_MINUTE
