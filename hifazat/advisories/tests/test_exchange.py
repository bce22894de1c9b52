"""Exchange: signed CSAF downloads that verify (and fail after one changed byte), the public
key and fingerprint, the verify/export/import commands, and TLP on every download and the API."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from hifazat.advisories.exchange import signing
from hifazat.advisories.models import Advisory, IssuerKey
from hifazat.advisories.tests.conftest import draft, publish
from hifazat.orgs.tokens import token_create
from tests.factories import make_person

pytestmark = [pytest.mark.django_db]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_signature_verifies_and_fails_after_one_changed_byte(issuer):
    data = b'{"document": {"title": "x"}}'
    signature = signing.sign(issuer["org"], data)
    key = IssuerKey.objects.get(issuer=issuer["org"])
    assert signing.verify(data, signature, [key.public_key]).valid
    tampered = data.replace(b"x", b"y")
    assert not signing.verify(tampered, signature, [key.public_key]).valid
    assert not signing.verify(data, signature, []).valid  # an unknown key is not trusted
    assert "PRIVATE KEY" in key.private_key and signing.issuer_key(issuer["org"]) == key


def test_csaf_download_signature_key_and_command(issuer, personas, client_as, tmp_path):
    advisory = publish(issuer, draft(issuer, tlp="CLEAR"))
    anonymous = Client()
    csaf = anonymous.get(reverse("advisories:csaf", args=[advisory.pk]))
    assert (
        csaf.status_code == 200
        and json.loads(body(csaf))["document"]["tracking"]["id"] == advisory.tracking_id
    )
    asc = body(anonymous.get(reverse("advisories:csaf_asc", args=[advisory.pk])))
    sha = body(anonymous.get(reverse("advisories:csaf_sha512", args=[advisory.pk])))
    key = body(anonymous.get(reverse("advisories:key", args=[issuer["org"].code])))
    assert b"BEGIN PGP SIGNATURE" in asc and b"BEGIN PGP PUBLIC KEY" in key
    keys_page = anonymous.get(reverse("advisories:keys"))
    assert IssuerKey.objects.get().fingerprint in keys_page.text
    # the same bytes every time: the stored signature still matches
    assert body(anonymous.get(reverse("advisories:csaf", args=[advisory.pk]))) == body(csaf)
    name = sha.decode().split()[1]
    (tmp_path / name).write_bytes(body(csaf))
    (tmp_path / (name + ".asc")).write_bytes(asc)
    (tmp_path / (name + ".sha512")).write_bytes(sha)
    call_command("advisories", "verify", str(tmp_path / name))
    canonical = anonymous.get(reverse("advisories:csaf_file", args=[advisory.pk, name + ".asc"]))
    assert body(canonical) == asc
    assert (
        anonymous.get(
            reverse("advisories:csaf_file", args=[advisory.pk, "other.json"])
        ).status_code
        == 404
    )
    forged = bytearray(body(csaf))
    forged[-3] = ord("X")
    (tmp_path / name).write_bytes(bytes(forged))
    with pytest.raises(CommandError, match="not a genuine advisory"):
        call_command("advisories", "verify", str(tmp_path / name))


@pytest.mark.parametrize(
    ("label", "anonymous", "outsider"),
    [("CLEAR", 200, 200), ("GREEN", 302, 200), ("AMBER", 302, 404), ("RED", 302, 404)],
)
def test_downloads_obey_tlp(label, anonymous, outsider, issuer, orgs, personas, client_as):
    if label == "RED":
        named = make_person("Nasir Named", orgs["min_b"])
        advisory = publish(
            issuer, draft(issuer, tlp=label, audience=Advisory.Audience.PEOPLE, people=[named])
        )
    else:
        advisory = publish(
            issuer,
            draft(
                issuer,
                tlp=label,
                audience=Advisory.Audience.ORGANISATIONS,
                organisations=[orgs["div_a"]],
            ),
        )
    for name in ("csaf", "csaf_asc", "stix", "letter"):
        url = reverse(f"advisories:{name}", args=[advisory.pk])
        assert Client().get(url).status_code == anonymous, (label, name)
        assert client_as(personas.learner_b).get(url).status_code == outsider, (label, name)
    token = token_create(actor=personas.learner_b, name="t", scope="read", days=1)[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    expected = 200 if outsider == 200 else 404
    assert api.get(f"/api/v1/advisories/{advisory.pk}/csaf").status_code == expected
    assert api.get(f"/api/v1/advisories/{advisory.pk}/stix").status_code == expected
    if label == "RED":  # never as a CSAF or STIX file, even for the named person
        named_client = client_as(named)
        assert named_client.get(reverse("advisories:csaf", args=[advisory.pk])).status_code == 404
        assert (
            named_client.get(reverse("advisories:letter", args=[advisory.pk])).status_code == 200
        )


def test_export_command_writes_only_what_may_be_exported(issuer, orgs, personas, tmp_path):
    clear = publish(
        issuer, draft(issuer, tlp="CLEAR", title="Cyber Security Advisory – Clear one")
    )
    publish(
        issuer,
        draft(
            issuer,
            tlp="AMBER",
            audience=Advisory.Audience.ORGANISATIONS,
            organisations=[orgs["div_a"]],
            title="Cyber Security Advisory – Amber one",
        ),
    )
    call_command("advisories", "export", "--format", "csaf", str(tmp_path / "public"))
    files = sorted(p.name for p in (tmp_path / "public").iterdir())
    assert files == sorted(
        [
            f"{clear.tracking_id.lower()}.json",
            f"{clear.tracking_id.lower()}.json.asc",
            f"{clear.tracking_id.lower()}.json.sha512",
        ]
    )
    call_command(
        "advisories",
        "export",
        "--format",
        "stix",
        str(tmp_path / "focal"),
        "--as",
        personas.focal_a.email,
    )
    assert len(list((tmp_path / "focal").iterdir())) == 2  # the AMBER one too: DIVA is a recipient
