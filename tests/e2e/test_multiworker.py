"""Rate limits and single-use codes hold across both gunicorn workers (shared database cache)."""

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from hifazat.orgs.roles import Role
from tests.e2e.conftest import fresh_totp
from tests.factories import make_org, make_person, make_totp

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "quiet-river-lantern-47"


def fresh_login_form(base):
    """A new HTTP session (new connection, so either worker may answer) at the sign-in form."""
    s = requests.Session()
    s.headers["Connection"] = "close"
    page = s.get(base + "/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return s, token


def post_login(base, email, password):
    s, token = fresh_login_form(base)
    r = s.post(
        base + "/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    return s, r


def worker_pids(log, method, path):
    pids = Counter()
    for line in log.read_text().splitlines():
        pid, m, p, _status = line.split(" ", 3)
        if m == method and p == path:
            pids[pid] += 1
    return pids


def test_login_throttle_holds_across_workers(app_server):
    org = make_org("MINA", "Ministry of Alpha", domains=["alpha.gov.example"])
    make_person("Throttle Target", org, email="target@alpha.gov.example", password=PASSWORD)
    # parallel requests, so that both sync workers must answer some of them
    with ThreadPoolExecutor(3) as pool:
        list(
            pool.map(
                lambda _: post_login(
                    app_server.url, "target@alpha.gov.example", "wrong-password-0"
                ),
                range(9),
            )
        )
        # the account is now throttled: even the right password is refused, whichever worker answers
        outcomes = list(
            pool.map(
                lambda _: (
                    post_login(app_server.url, "target@alpha.gov.example", PASSWORD)[1].status_code
                ),
                range(6),
            )
        )
    assert all(code != 302 for code in outcomes), outcomes
    pids = worker_pids(app_server.log, "POST", "/accounts/login/")
    assert len(pids) == 2, f"expected both workers to answer sign-ins, got {pids}"


def test_a_totp_code_works_once_across_workers(app_server):
    org = make_org("MINA", "Ministry of Alpha", domains=["alpha.gov.example"])
    focal = make_person(
        "Code Once",
        org,
        email="once@alpha.gov.example",
        password=PASSWORD,
        role=(Role.FOCAL_PERSON, org),
    )
    secret = make_totp(focal)
    code = fresh_totp(secret, margin=15)  # all six attempts fall in this code's period

    def attempt(_):
        s, r = post_login(app_server.url, "once@alpha.gov.example", PASSWORD)
        assert r.status_code == 302 and r.headers["Location"].endswith(
            "/accounts/2fa/authenticate/"
        )
        page = s.get(app_server.url + "/accounts/2fa/authenticate/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        r2 = s.post(
            app_server.url + "/accounts/2fa/authenticate/",
            data={"code": code, "csrfmiddlewaretoken": token},
            headers={"Referer": app_server.url + "/accounts/2fa/authenticate/"},
            allow_redirects=False,
            timeout=10,
        )
        return r2.status_code == 302

    with ThreadPoolExecutor(3) as pool:
        accepted = sum(pool.map(attempt, range(6)))
    assert accepted == 1
    assert len(worker_pids(app_server.log, "POST", "/accounts/2fa/authenticate/")) == 2
