"""Downloads in exchange formats, signing keys, feeds and import — every one through the same TLP
policy as the pages. TLP:RED is never exported in bulk formats (CSAF, STIX) nor in any feed."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hifazat.advisories.models import Advisory, IssuerKey, Revision, Tlp
from hifazat.advisories.views import _audit_read, _login_or, _visible_to_anonymous_or_login
from hifazat.orgs import access
from hifazat.orgs.access import OPEN_WITH_SIGN_IN, PUBLIC, SIGNED_IN, any_role
from hifazat.orgs.access import policy as route_policy
from hifazat.orgs.roles import Role

AUTHORS = any_role(Role.ADVISORY_AUTHOR)


def exportable(user, advisory: Advisory) -> Revision:
    """The live revision, if ``user`` may have it as a file (never TLP:RED)."""
    if (
        advisory.live_id is None
        or advisory.live.snapshot["tlp"] == Tlp.RED
        or advisory.tlp == Tlp.RED
    ):
        raise Http404
    return advisory.live


def signed_csaf(revision: Revision) -> tuple[bytes, str, str]:
    """(CSAF bytes, SHA-512 line, signature) — signed once, then kept with the revision."""
    from hifazat.advisories.exchange.csaf import csaf_bytes, csaf_filename
    from hifazat.advisories.exchange.signing import sha512_line, sign

    data = csaf_bytes(revision)
    digest = hashlib.sha512(data).hexdigest()
    if revision.csaf_sha512 != digest or not revision.csaf_signature:
        signature = sign(revision.advisory.issuer, data)
        Revision.objects.filter(pk=revision.pk).update(
            csaf_sha512=digest, csaf_signature=signature
        )
        revision.csaf_sha512, revision.csaf_signature = digest, signature
    filename = csaf_filename(revision.snapshot["tracking_id"])
    return data, sha512_line(data, filename), revision.csaf_signature


def _file(data, content_type, filename):
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@route_policy(OPEN_WITH_SIGN_IN)
@require_GET
@_login_or
def csaf(request, pk, suffix=""):
    from hifazat.advisories.exchange.csaf import csaf_filename

    advisory = _visible_to_anonymous_or_login(request, pk)
    revision = exportable(request.user, advisory)
    data, sha_line, signature = signed_csaf(revision)
    filename = csaf_filename(revision.snapshot["tracking_id"])
    _audit_read(request, advisory, "csaf_downloaded")
    if suffix == ".sha512":
        return _file(sha_line, "text/plain; charset=utf-8", filename + ".sha512")
    if suffix == ".asc":
        return _file(signature, "application/pgp-signature", filename + ".asc")
    return _file(data, "application/json", filename)


@route_policy(OPEN_WITH_SIGN_IN)
@require_GET
@_login_or
def csaf_file(request, pk, filename):
    """The canonical address of the file (the CSAF self reference ends in the file's name)."""
    from hifazat.advisories.exchange.csaf import csaf_filename

    advisory = _visible_to_anonymous_or_login(request, pk)
    base = csaf_filename(exportable(request.user, advisory).snapshot["tracking_id"])
    for suffix in ("", ".sha512", ".asc"):
        if filename == base + suffix:
            return csaf(request, pk, suffix)
    raise Http404


@route_policy(OPEN_WITH_SIGN_IN)
@require_GET
@_login_or
def stix(request, pk):
    from hifazat.advisories.exchange.csaf import csaf_filename
    from hifazat.advisories.exchange.stix import stix_bytes

    advisory = _visible_to_anonymous_or_login(request, pk)
    revision = exportable(request.user, advisory)
    _audit_read(request, advisory, "stix_downloaded")
    name = csaf_filename(revision.snapshot["tracking_id"]).replace(".json", ".stix.json")
    return _file(stix_bytes(revision, request.user), "application/stix+json;version=2.1", name)


@route_policy(OPEN_WITH_SIGN_IN)
@require_GET
@_login_or
def letter(request, pk):
    from hifazat.advisories.exchange.letter import letter_pdf
    from hifazat.advisories.services import audience_organisations

    advisory = _visible_to_anonymous_or_login(request, pk)
    if advisory.live_id is None:
        raise Http404
    revision = advisory.live
    if advisory.audience == Advisory.Audience.ALL:
        addressees = [_("All federal ministries, divisions and departments")]
    elif advisory.audience == Advisory.Audience.GROUP:
        addressees = [advisory.sharing_group.name]
    elif advisory.audience == Advisory.Audience.PEOPLE:
        addressees = [p.full_name for p in advisory.people.all()]
    else:
        addressees = [o.name for o in audience_organisations(advisory)][:40]
    sha = None
    if revision.snapshot["tlp"] != Tlp.RED:
        data, _line, _sig = signed_csaf(revision)
        sha = hashlib.sha256(data).hexdigest()
    _audit_read(request, advisory, "letter_downloaded")
    pdf = letter_pdf(revision, addressees=addressees, csaf_sha256=sha)
    return _file(pdf, "application/pdf", revision.snapshot["tracking_id"].lower() + ".pdf")


@route_policy(PUBLIC)
@require_GET
def keys(request):
    """The issuers' public keys and fingerprints: how anyone tells a real advisory from a forgery."""
    return render(
        request, "advisories/keys.html", {"keys": IssuerKey.objects.select_related("issuer")}
    )


@route_policy(PUBLIC)
@require_GET
def key(request, code):
    item = get_object_or_404(IssuerKey, issuer__code=code)
    return _file(item.public_key, "application/pgp-keys", f"{code.lower()}-advisories.asc")


@route_policy(SIGNED_IN)
@require_POST
def feed_token(request):
    from hifazat.advisories.exchange.feeds import feed_token_create

    token = feed_token_create(request.user)
    url = request.build_absolute_uri(f"/advisories/feed/{token}.atom")
    messages.success(
        request,
        _("Your personal feed (keep it private; making a new one stops the old): %(url)s")
        % {"url": url},
    )
    return redirect("advisories:home")


def public_feed(request):
    from hifazat.advisories.exchange.feeds import PublicFeed

    return PublicFeed()(request)


public_feed.access_policy = PUBLIC


def green_feed(request, token):
    from hifazat.advisories.exchange.feeds import GreenFeed

    return GreenFeed()(request, token=token)


green_feed.access_policy = PUBLIC  # the token in the address is the credential


@route_policy(AUTHORS)
@require_http_methods(["GET", "POST"])
def import_view(request):
    from hifazat.advisories.exchange.imports import ImportProblem, import_file

    issuers = access.scoped_organisations(request.user, Role.ADVISORY_AUTHOR)
    problem = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        issuer = next(
            (o for o in issuers if str(o.pk) == request.POST.get("issuer")),
            issuers[0] if issuers else None,
        )
        if upload is None or issuer is None:
            problem = _("Choose a file.")
        else:
            try:
                advisory = import_file(upload.read(), actor=request.user, issuer=issuer)
            except ImportProblem as exc:
                problem = str(exc)
            else:
                messages.success(
                    request, _("Imported as a draft: check it, then send it for review.")
                )
                return redirect("advisories:detail", pk=advisory.pk)
    return render(request, "advisories/import.html", {"issuers": issuers, "problem": problem})


def verify_snippet(advisory) -> dict:
    """What the advisory page shows under 'Check that this advisory is genuine'."""
    key = IssuerKey.objects.filter(issuer=advisory.issuer).first()
    return {"fingerprint": key.fingerprint if key else None}
