"""Health, worker, deployment checks, demo data, backups: the platform's own promises."""

import os
import signal
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hifazat.core.models import WorkerHeartbeat
from tests.live import HIFAZAT, ROOT, process_env, run_cli, wait_for

pytestmark = [pytest.mark.django_db]


@pytest.mark.smoke
def test_healthz_reports_database_and_missing_worker():
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "worker": "missing", "status": "degraded"}


def test_healthz_is_ok_with_a_recent_heartbeat_and_degraded_when_stale(settings):
    now = timezone.now()
    hb = WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="h", pid=1, started_at=now, last_seen=now
    )
    assert Client().get("/healthz").json()["worker"] == "ok"
    hb.last_seen = now - timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * 4)
    hb.save()
    response = Client().get("/healthz")
    assert response.status_code == 503 and response.json()["worker"] == "stale"


@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_tasks_and_beats():

    from hifazat.audit.models import AuditHead

    env = process_env(WORKER_HEARTBEAT_SECONDS=1)
    worker = subprocess.Popen(
        [*HIFAZAT, "worker", "--interval", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=40, what="worker heartbeat")
        assert Client().get("/healthz").json()["worker"] == "ok"
        # enqueue through the database backend, as the web process would
        from django_tasks_db.models import DBTaskResult

        from hifazat.audit.services import audit_record

        audit_record(actor=None, action="test.before_task")
        out = run_cli(
            "shell",
            "--no-imports",
            "-c",
            "from hifazat.audit.tasks import write_audit_head; print(write_audit_head.enqueue().id)",
            env=env,
        )
        task_id = out.stdout.strip()
        wait_for(
            lambda: DBTaskResult.objects.filter(id=task_id, status="SUCCESSFUL").exists(),
            timeout=30,
            what="task",
        )
        assert DBTaskResult.objects.get(id=task_id).return_value == AuditHead.objects.get().seq
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    assert worker.returncode == 0
    assert not WorkerHeartbeat.objects.exists()  # a clean stop removes its heartbeat


PRODUCTION = {
    "SITE_URL": "https://hifazat.gov.example",
    "EMAIL_HOST": "smtp.hifazat.gov.example",
    "TRUSTED_PROXY_COUNT": "1",
    "SECRET_KEY": "a-long-production-secret-key-with-enough-entropy-1234567890-abcdefghij",
    "DEBUG": "0",
    "HIFAZAT_DEMO": "0",
    "ALLOWED_HOSTS": "hifazat.gov.example",
    "ADVISORY_SIGNING_SECRET": "another-long-secret-only-for-the-advisory-signing-keys-0987654321",
}


@pytest.mark.smoke
def test_check_deploy_is_clean_with_production_settings():
    result = run_cli(
        "check", "--deploy", "--fail-level", "WARNING", env=process_env(**PRODUCTION), check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_catches_what_django_misses():
    env = process_env(
        **{**PRODUCTION, "HIFAZAT_DEMO": "1", "SITE_URL": "http://hifazat.gov.example"}
    )
    result = run_cli("check", "--deploy", env=env, check=False)
    assert result.returncode != 0
    for code in ("hifazat.E001", "hifazat.E002", "hifazat.E003"):
        assert code in result.stderr


def test_production_cookies_and_headers():
    env = process_env(**PRODUCTION)
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SESSION_COOKIE_HTTPONLY, s.DEBUG)"
    )
    out = run_cli("shell", "--no-imports", "-c", code, env=env).stdout.split()
    assert out == ["__Host-sessionid", "__Host-csrftoken", "True", "31536000", "True", "False"]


def test_pages_carry_a_strict_content_security_policy(personas, client_as):
    response = client_as(personas.learner_a).get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()  # no inline script


def test_site_templates_carry_no_inline_styles_or_scripts():
    """The CSP allows neither inline styles nor inline scripts: a style="" attribute or a
    <style>/<script> block in a page template would be silently ignored by the browser.
    (E-mail and PDF templates are exempt: they are not served under the CSP.)"""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if "email" not in path.parts
        and not path.name.endswith("_pdf.html")
        and any(
            needle in path.read_text(encoding="utf-8")
            for needle in ('style="', "<style", "<script>")
        )
    ]
    assert offenders == []


def test_session_has_an_absolute_lifetime(personas, client_as, settings):
    import time

    import time_machine

    c = client_as(personas.learner_a)
    start = time.time()
    # active every 20 minutes, so the idle timeout never ends it — only the absolute lifetime
    for step in range(settings.SESSION_ABSOLUTE_HOURS * 3):
        with time_machine.travel(start + step * 1200):
            assert c.get("/").status_code == 200, step
    with time_machine.travel(start + settings.SESSION_ABSOLUTE_HOURS * 3600 + 60):
        response = c.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_no_known_password_account_outside_demo_mode(settings):
    from django.core.management.base import CommandError

    from hifazat.demo.accounts import DEMO_PASSWORD
    from hifazat.orgs.models import Person

    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="HIFAZAT_DEMO"):
        call_command("demo", "load", "--people", "10")
    assert not Person.objects.exists()
    # a demo database restored into production: its accounts still cannot sign in
    settings.DEMO_MODE = True
    call_command("demo", "load", "--people", "0")
    settings.DEMO_MODE = False
    client = Client()
    client.post(
        "/accounts/login/", {"login": "learner@moitt.gov.example", "password": DEMO_PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still signed out
    settings.DEMO_MODE = (
        True  # the same account in demo mode does sign in (so the refusal above is real)
    )
    client.post(
        "/accounts/login/", {"login": "learner@moitt.gov.example", "password": DEMO_PASSWORD}
    )
    assert client.get("/").status_code == 200
    settings.DEMO_MODE = False
    from django.core.checks import run_checks

    ids = {e.id for e in run_checks(include_deployment_checks=True, databases=["default"])}
    assert "hifazat.E008" in ids


@pytest.mark.smoke
def test_demo_load_is_idempotent(settings):
    from hifazat.demo.accounts import DEMO_ACCOUNTS
    from hifazat.orgs.models import Organisation, Person, RoleAssignment

    settings.DEMO_MODE = True
    call_command("demo", "load", "--people", "300", "--batch-size", "100")
    counts = (Organisation.objects.count(), Person.objects.count(), RoleAssignment.objects.count())
    assert counts[0] == 80 and counts[1] == 300 + len(DEMO_ACCOUNTS)
    call_command("demo", "load", "--people", "300")
    assert (
        Organisation.objects.count(),
        Person.objects.count(),
        RoleAssignment.objects.count(),
    ) == counts
    people = Person.objects.exclude(employee_number__startswith="DEMO")
    assert all(
        p.email.split("@")[1] in p.organisation.email_domains
        for p in people.select_related("organisation")[:300]
    )
    assert all(p.email.endswith(".example") for p in people)
    share_it = people.filter(track="it_admin").count() / people.count()
    assert 0.05 < share_it < 0.16
    assert not people.filter(password__startswith="argon2").exists()  # no usable password
    grades = set(people.values_list("bps_grade", flat=True))
    assert min(grades) >= 1 and max(grades) <= 22 and len(grades) > 10


def test_demo_totp_command_prints_a_working_code(settings):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    settings.DEMO_MODE = True
    call_command("demo", "load", "--people", "0")
    from io import StringIO

    out = StringIO()
    call_command("demo", "totp", "focal.itt@moitt.gov.example", stdout=out)
    code = out.getvalue().strip()
    auth = Authenticator.objects.get(user__email="focal.itt@moitt.gov.example", type="totp")
    assert not auth.data["secret"].isalnum()  # stored encrypted
    assert TOTP(auth).validate_code(code)


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path, personas):
    from hifazat.orgs.models import Person

    env = process_env()
    backup = tmp_path / "hifazat.backup"
    out = run_cli("backup", str(backup), env=env)
    assert backup.exists() and "Backup written" in out.stdout
    count = Person.objects.count()
    Person.objects.filter(pk=personas.outsider.pk).update(full_name="Changed After Backup")
    Person.objects.create_user(
        email="new@alpha.gov.example",
        full_name="New",
        organisation=personas.learner_a.organisation,
    )
    run_cli("restore", str(backup), "--yes", env=env)
    from django.db import connection

    connection.close()
    assert Person.objects.count() == count
    assert Person.objects.get(pk=personas.outsider.pk).full_name == "Omar Outsider"
    refused = run_cli("backup", str(backup), env=env, check=False)
    assert refused.returncode != 0 and "refusing to overwrite" in refused.stderr


def test_admin_needs_a_platform_admin_who_used_the_second_factor(personas, client_as):
    plain = client_as(personas.admin, mfa=False)  # signed in without the MFA step
    response = plain.get("/admin/")
    assert response.status_code == 302 and "/accounts/2fa/reauthenticate/" in response["Location"]
    session = plain.session
    session["account_authentication_methods"] = [
        {"method": "password"},
        {"method": "mfa", "type": "totp"},
    ]
    session.save()
    assert plain.get("/admin/").status_code == 200
    assert plain.get("/admin/orgs/person/").status_code == 200
    # read-only: no add or delete, whoever asks
    assert plain.get("/admin/orgs/person/add/").status_code == 403
    assert client_as(personas.focal_a).get("/admin/").status_code == 404


def test_admin_can_be_switched_off():
    env = process_env(ADMIN_ENABLED=0)
    out = run_cli(
        "shell",
        "--no-imports",
        "-c",
        "from django.urls import resolve\ntry:\n resolve('/admin/')\n print('on')\nexcept Exception:\n print('off')",
        env=env,
    )
    assert out.stdout.strip() == "off"


@pytest.mark.django_db(transaction=True)
def test_demo_serves_and_stops_cleanly_on_ctrl_c(tmp_path):
    import requests

    from tests.live import free_port

    port = free_port()
    env = process_env(
        HIFAZAT_VAR_DIR=tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path}/demo.sqlite3",
        WORKER_HEARTBEAT_SECONDS=1,
    )
    env.pop("SECRET_KEY")
    # Output goes to a file, not a pipe: a full pipe would stall the server's logging.
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            [*HIFAZAT, "demo", "--people", "50", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def healthy():
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            assert demo.poll() is None, log.read_text()[-3000:]
            return False

    try:
        wait_for(healthy, timeout=180, what="demo server and worker")
        login = requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
        assert "Demo mode" in login.text
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            pytest.fail("the demo did not stop within 90 s of Ctrl-C:\n" + log.read_text()[-3000:])
    output = log.read_text()
    assert "Hifazat demo is running" in output and "Safe-Demo-Passphrase-26" in output
    assert "Stopped." in output
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
