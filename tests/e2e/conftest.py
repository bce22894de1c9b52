"""Browser and multi-process tests: a real gunicorn (2 workers, whitenoise, hashed and
compressed static files) against the test database, driven by Playwright in Debian's Chromium.

Data is created with ``transactional_db`` so the server processes can see it. Playwright's
sync API runs an event loop in this thread, so Django's async-safety guard is relaxed here
(and only here) for the ORM set-up calls the tests make between browser steps.

The journeys that send mail share ``smtp`` (a real SMTP peer, aiosmtpd on loopback, keeping
every message parsed), ``worker`` (a real ``hifazat worker`` process delivering to it) and
``signed_in`` (a browser context of a person's own, signed in with password and TOTP).
"""

import email
import email.policy
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from hifazat.core.management.commands.serve import gunicorn_argv
from tests.factories import totp_now
from tests.live import HIFAZAT, ROOT, free_port, process_env, run_cli, wait_for

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
PASSWORD = "quiet-river-lantern-47"  # the password of the people the journeys create
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    run_cli(
        "collectstatic",
        "--noinput",
        "-v",
        "0",
        env=process_env(STATIC_ROOT=root, STATIC_MANIFEST=1),
    )
    return root


@pytest.fixture(scope="session")
def app_server(django_db_setup, django_db_blocker, static_root, tmp_path_factory):
    """Base URL of a gunicorn with 2 workers; its access log records each request's worker pid."""
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "access.log"
    base = f"http://127.0.0.1:{port}"
    env = process_env(STATIC_ROOT=static_root, STATIC_MANIFEST=1, SITE_URL=base, HIFAZAT_DEMO=0)
    argv = gunicorn_argv("127.0.0.1", port, 2)
    argv[argv.index("--access-logfile") + 1] = str(log)
    argv += ["--access-logformat", "%(p)s %(m)s %(U)s %(s)s"]
    proc = subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )

    def up():
        try:
            requests.get(base + "/healthz", timeout=10)
            return True
        except requests.RequestException:  # not listening yet, or still starting up
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            return False

    wait_for(up, timeout=60, what="gunicorn")
    server = type("Server", (), {"url": base, "log": log, "proc": proc})
    yield server
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    )
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(base_url=app_server.url, locale="en-GB")
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def sign_in(page, email, password, code=None):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if code is not None:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.fill("input[name=code]", code())
        page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """The cache table (rate-limit counters, used codes) is not flushed between tests."""
    if "transactional_db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db")
        from django.core.cache import cache

        cache.clear()


# --- a real SMTP peer, a real worker, and people signed in ----------------------------------


class Inbox:
    """aiosmtpd handler: keeps every message it is given, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def find(self, subject_start, to):
        """Indexes and messages to ``to`` whose subject starts with ``subject_start``."""
        return [
            (i, m)
            for i, (rcpts, m) in enumerate(list(self.messages))
            if rcpts == (to,) and subject(m).startswith(subject_start)
        ]


def subject(message) -> str:
    """The subject as a mail client shows it. Django 5.2 folds a long non-ASCII subject right
    after "Subject:" (``Subject:\\n =?utf-8?q?...``) and Python's parser keeps the folding
    space in front; the leading white space is not part of the subject (RFC 5322, 3.2.2)."""
    return str(message["Subject"]).strip()


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.inbox = inbox
    yield controller
    controller.stop()


@pytest.fixture
def worker(transactional_db, app_server, smtp, tmp_path):
    """A ``hifazat worker`` process sending its mail to ``smtp``."""
    log = tmp_path / "worker.log"
    env = process_env(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp.port,
        EMAIL_USE_TLS=0,
        EMAIL_USE_SSL=0,
        EMAIL_HOST_USER="",
        EMAIL_TIMEOUT=10,
        SITE_URL=app_server.url,
    )
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*HIFAZAT, "worker", "--interval", "0.2"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proc.log = log
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        # shown by pytest only when the test fails
        print(f"--- worker log (exit {proc.returncode}) ---\n{log.read_text()[-6000:]}")


_last_counter = {}


def fresh_totp(secret, margin=8):
    """A TOTP code with at least ``margin`` seconds of its period left. The server accepts the
    current period's code only (MFA_TOTP_TOLERANCE is 0) and refuses a code it has seen before,
    so a code computed just before the period ends can be refused by the time a loaded machine
    has typed it in and posted it, and two sign-ins in one period must not share a code."""
    from allauth.mfa import app_settings

    period = app_settings.TOTP_PERIOD
    while True:
        now = time.time()
        left = period - now % period
        counter = int(now // period)
        if left < margin or _last_counter.get(secret) == counter:
            time.sleep(left + 0.1)
            continue
        _last_counter[secret] = counter
        return totp_now(secret)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item (``item.rep_call``) for fixtures to read."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def signed_in(request, browser, app_server):
    """signed_in(person, secret) -> a page in a browser context of that person's own, signed
    in with ``PASSWORD`` and a TOTP code. When the test fails, each page's address is printed
    and its screenshot kept in var/screenshots/failed-<test>-<n>.png."""
    contexts = []

    def _signed_in(person, secret):
        context = browser.new_context(base_url=app_server.url, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, person.email, PASSWORD, code=lambda: fresh_totp(secret))
        return page

    yield _signed_in
    report = getattr(request.node, "rep_call", None)
    for n, context in enumerate(contexts, start=1):
        if report is not None and report.failed:
            for page in context.pages:
                name = f"failed-{request.node.name}-{n}.png"
                print(f"--- page {n}: {page.url} (screenshot {name}) ---")
                SHOTS.mkdir(parents=True, exist_ok=True)
                try:
                    page.screenshot(path=str(SHOTS / name), full_page=True)
                except Exception as exc:  # the page may be gone; the address is still useful
                    print(f"    no screenshot: {exc}")
        context.close()
