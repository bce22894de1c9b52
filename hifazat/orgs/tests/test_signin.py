"""Sign-in: throttling, uniform answers, password rules, reset links, second factor."""

import re
import time

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import make_person, make_totp, totp_now

pytestmark = [pytest.mark.django_db]
PASSWORD = "quiet-river-lantern-47"
LOGIN = "/accounts/login/"


@pytest.fixture
def learner(orgs):
    return make_person(
        "Sara Signin", orgs["div_a"], email="sara@alpha.gov.example", password=PASSWORD
    )


def login(client, email, password, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def error_text(response):
    return re.findall(r'class="alert alert-danger">([^<]+)<', response.content.decode())


@pytest.mark.smoke
def test_learner_signs_in_with_email_and_password(learner):
    c = Client()
    response = login(c, "SARA@alpha.gov.example", PASSWORD)
    assert response.status_code == 302
    assert c.get(reverse("core:home")).status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_answer(learner):
    unknown = login(Client(), "nobody@alpha.gov.example", "whatever-it-is-123")
    wrong = login(Client(), "sara@alpha.gov.example", "whatever-it-is-123")
    assert unknown.status_code == wrong.status_code == 200
    assert error_text(unknown) == error_text(wrong) != []


def test_account_is_throttled_after_five_failures(learner):
    for i in range(5):
        login(Client(REMOTE_ADDR=f"10.0.0.{i + 1}"), learner.email, "wrong-password-here")
    # the right password from yet another address is still refused for now
    response = login(Client(REMOTE_ADDR="10.0.0.99"), learner.email, PASSWORD)
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in response.wsgi_request.session


def test_address_is_throttled_across_accounts(orgs, learner):
    c = Client(REMOTE_ADDR="192.0.2.10")
    for i in range(10):
        login(c, f"someone{i}@alpha.gov.example", "wrong-password-here")
    response = login(c, learner.email, PASSWORD)
    assert "_auth_user_id" not in response.wsgi_request.session
    # another address is not affected
    assert login(Client(REMOTE_ADDR="192.0.2.11"), learner.email, PASSWORD).status_code == 302


def test_forwarded_for_is_ignored_without_a_trusted_proxy(orgs, learner):
    for i in range(10):
        c = Client(REMOTE_ADDR="192.0.2.20", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        login(c, f"someone{i}@alpha.gov.example", "wrong-password-here")
    c = Client(REMOTE_ADDR="192.0.2.20", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert "_auth_user_id" not in login(c, learner.email, PASSWORD).wsgi_request.session


def test_forwarded_for_is_used_behind_a_trusted_proxy(settings, orgs, learner):
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(10):
        c = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
        login(c, f"someone{i}@alpha.gov.example", "wrong-password-here")
    blocked = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert "_auth_user_id" not in login(blocked, learner.email, PASSWORD).wsgi_request.session
    other = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert login(other, learner.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password",
    [
        "short1!",
        "password123456",
        "Pakistan@2026",
        "h1fazat!!2026",
        "1234567890123",
        "Ministry-of-Alpha-1",
        "qwertyuiop",
    ],
)
def test_weak_passwords_are_refused(orgs, password):
    person = make_person("Pass Word", orgs["min_a"])
    with pytest.raises(ValidationError):
        validate_password(password, user=person)


def test_long_passphrases_are_accepted_whole(orgs):
    person = make_person("Long Phrase", orgs["min_a"])
    phrase = "the monsoon reached margalla hills before the files reached the section " * 2
    assert len(phrase) > 64
    validate_password(phrase, user=person)
    person.set_password(phrase)
    person.save()
    assert person.password.startswith("argon2$")
    assert person.check_password(phrase)
    assert not person.check_password(phrase[:-1])  # nothing truncated


def request_reset(client, email, **extra):
    return client.post(reverse("account_reset_password"), {"email": email}, **extra)


def reset_link():
    assert len(mail.outbox) == 1
    return re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(
        0
    )


def test_reset_link_is_built_from_the_configured_site_url(settings, learner):
    settings.SITE_URL = "https://hifazat.gov.example"
    settings.ALLOWED_HOSTS = ["*"]
    request_reset(Client(), learner.email, HTTP_HOST="attacker.example")
    link = reset_link()
    assert link.startswith("https://hifazat.gov.example/accounts/password/reset/key/")
    assert "attacker" not in mail.outbox[0].body


def _use_link(link, new_password):
    c = Client()
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = c.get("/" + path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else "/" + path
    return c.post(form_url, {"password1": new_password, "password2": new_password})


def test_reset_link_works_once(learner):
    request_reset(Client(), learner.email)
    link = reset_link()
    first = _use_link(link, "amber-kettle-orchard-88")
    assert first.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("amber-kettle-orchard-88")
    _use_link(link, "second-try-is-refused-99")
    learner.refresh_from_db()
    assert learner.check_password("amber-kettle-orchard-88")


def test_reset_link_expires_within_an_hour(learner):
    request_reset(Client(), learner.email)
    link = reset_link()
    # a timestamp, not a datetime: Django sets TZ, and naive local times would be misread
    with time_machine.travel(time.time() + 61 * 60):
        _use_link(link, "amber-kettle-orchard-88")
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_privileged_sign_in_asks_for_a_code_and_a_code_works_once(orgs):
    from hifazat.orgs.roles import Role

    focal = make_person(
        "Fahad Focal", orgs["div_a"], password=PASSWORD, role=("focal_person", orgs["div_a"])
    )
    secret = make_totp(focal)
    assert Role.FOCAL_PERSON
    c = Client()
    response = login(c, focal.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in c.session
    code = totp_now(secret)
    assert c.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert c.get(reverse("orgs:people")).status_code == 200
    # the same code again, in another session, is refused
    c2 = Client()
    login(c2, focal.email, PASSWORD)
    response = c2.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in c2.session


def test_sign_in_and_failures_are_audited(learner):
    from hifazat.audit.models import AuditEvent

    login(Client(), learner.email, "wrong-password-here")
    login(Client(), learner.email, PASSWORD)
    assert AuditEvent.objects.filter(action="auth.login_failed").exists()
    assert AuditEvent.objects.filter(action="auth.login", actor=learner).exists()
    assert not AuditEvent.objects.filter(data__icontains="wrong-password-here").exists()


def test_people_see_and_end_their_other_sessions(learner):
    first, second = Client(), Client()
    login(first, learner.email, PASSWORD)
    login(second, learner.email, PASSWORD)
    response = first.get(reverse("usersessions_list"))
    assert response.status_code == 200
    from allauth.usersessions.models import UserSession

    assert UserSession.objects.filter(user=learner).count() == 2
    first.post(reverse("usersessions_list"))  # "sign out other sessions"
    assert second.get(reverse("core:home")).status_code == 302
    assert first.get(reverse("core:home")).status_code == 200
