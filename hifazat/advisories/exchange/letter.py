"""The official letter of a published advisory revision, as PDF (WeasyPrint, A4, vendored
Urdu font). The TLP label is in the header and the footer of every page (FIRST: ≥12 pt, right);
indicators carrying a stricter label than the advisory are left out, the others are defanged.

Nothing outside the vendored font folder is fetched while drawing: staff-written Markdown is
sanitised already, and the URL fetcher refuses anything else (no requests to the network).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.template.loader import render_to_string
from django.utils import timezone

from hifazat.advisories.models import TLP_RANK, Tlp
from hifazat.learning.certificates import FONT_DIR

SHA256 = re.compile(r"^[0-9a-f]{64}$")
# FIRST's TLP 2.0 colours: the label in colour on black
TLP_COLOURS = {
    Tlp.CLEAR: "#FFFFFF",
    Tlp.GREEN: "#33FF00",
    Tlp.AMBER: "#FFC000",
    Tlp.AMBER_STRICT: "#FFC000",
    Tlp.RED: "#FF2B2B",
}


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    root = FONT_DIR.resolve()

    class FontsOnly(URLFetcher):
        """Fetches the vendored fonts and nothing else."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise ValueError(f"not fetched while drawing a letter: {url[:80]}")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(root):
                raise ValueError(f"not fetched while drawing a letter: {url[:80]}")
            return super().fetch(url, headers)

    return FontsOnly


def _when(value: str) -> datetime:
    return timezone.localtime(datetime.fromisoformat(value))


def letter_context(revision, *, addressees: list[str], csaf_sha256: str | None = None) -> dict:
    snap = revision.snapshot
    names = [a.strip() for a in addressees if a and a.strip()]
    if not names:
        raise ValueError("Name the addressees of the letter.")
    if csaf_sha256 is not None:
        csaf_sha256 = csaf_sha256.strip().lower()
        if not SHA256.match(csaf_sha256):
            raise ValueError("The SHA-256 of the CSAF file is 64 hexadecimal digits.")
    tlp = snap["tlp"]
    rank = TLP_RANK[tlp]
    publisher = revision.published_by
    return {
        "s": snap,
        "revision": revision,
        "tlp_label": f"TLP:{tlp}",
        "tlp_colour": TLP_COLOURS[tlp],
        "reference": snap.get("reference_no") or snap["tracking_id"],
        "date": revision.published_at,
        "addressees": names,
        "measures": snap["measures"],
        # a part labelled more strictly than the advisory stays off the letter
        "indicators": [
            i for i in snap["indicators"] if not i["tlp"] or TLP_RANK[i["tlp"]] <= rank
        ],
        "ack_due": _when(snap["ack_due"]),
        "act_due": _when(snap["act_due"]),
        "signatory": publisher.full_name,
        "designation": publisher.designation,
        "csaf_sha256": csaf_sha256,
        "font_dir": FONT_DIR.as_uri(),
    }


def letter_pdf(revision, *, addressees: list[str], csaf_sha256: str | None = None) -> bytes:
    """The letter of one published revision as PDF bytes.

    ``addressees``: organisation names, or ["All federal ministries and divisions"] (the letter
    reads "To: the focal persons of …"). ``csaf_sha256``: the SHA-256 (hex) of the advisory's
    CSAF file, printed at the bottom so a reader can tell a forged letter apart.
    """
    from weasyprint import HTML  # heavy: imported when a PDF is asked for

    html = render_to_string(
        "advisories/letter_pdf.html",
        letter_context(revision, addressees=addressees, csaf_sha256=csaf_sha256),
    )
    return HTML(
        string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=_fetcher_class()()
    ).write_pdf()
