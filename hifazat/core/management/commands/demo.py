"""``hifazat demo``: load the demo data and serve it; ``demo load``; ``demo totp EMAIL``."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from hifazat.core.management.commands.serve import gunicorn_argv
from hifazat.demo import generator
from hifazat.demo.accounts import DEMO_PASSWORD
from hifazat.demo.advisories import load_advisories
from hifazat.demo.events import load_events
from hifazat.demo.labs import load_labs
from hifazat.demo.learning import load_learning
from hifazat.demo.phishing import DEMO_SMTP_PORT, load_phishing, load_remedial
from hifazat.demo.phishing_history import load_phishing_history
from hifazat.demo.scale import AlreadyLoaded, load_scale


class Command(BaseCommand):
    help = "Demo data and a demo server. Actions: serve (default), load, totp EMAIL."

    def add_arguments(self, parser):
        parser.add_argument(
            "action", nargs="?", default="serve", choices=["serve", "load", "totp"]
        )
        parser.add_argument("email", nargs="?", help="for totp: the demo account")
        parser.add_argument(
            "--people", type=int, default=3000, help="how many demo people (default 3000)"
        )
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--batch-size", type=int, default=5000)
        # The readiness dashboards' scale data set (hifazat.demo.scale), on top of the rest.
        parser.add_argument(
            "--enrolments", type=int, default=0, help="scale data: about N enrolments (0: none)"
        )
        parser.add_argument(
            "--phishing-events",
            type=int,
            default=0,
            help="scale data: about N phishing events in 12 campaigns (0: none)",
        )
        parser.add_argument(
            "--advisories",
            type=int,
            default=0,
            help="scale data: N advisories to 60 organisations each (0: none)",
        )

    def handle(self, *args, action, email, people, host, port, batch_size, **options):
        scale = {k: options[k] for k in ("enrolments", "phishing_events", "advisories")}
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only loaded with HIFAZAT_DEMO=1.")
        if action == "totp":
            if not email:
                raise CommandError("Usage: hifazat demo totp EMAIL")
            self.stdout.write(generator.totp_code(email))
            return
        self.load(people, batch_size, scale)
        if action == "serve":
            self.serve(host, port)

    def load(self, people: int, batch_size: int, scale: dict | None = None) -> None:
        self.stdout.write("Preparing the database …")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("curriculum", "load", stdout=self.stdout)
        orgs = generator.load_organisations()
        self.stdout.write(f"Organisations: {orgs['created']} new, {orgs['updated']} updated")
        with tqdm(
            total=people,
            unit="people",
            desc="People",
            file=sys.stdout,
            disable=not sys.stdout.isatty() and people < 50_000,
        ) as bar:
            added = generator.load_people(people, batch_size=batch_size, progress=bar.update)
        self.stdout.write(f"People: {added} new")
        self.accounts = generator.load_accounts()
        load_events(stdout=self.stdout)
        load_advisories(stdout=self.stdout)
        load_phishing(stdout=self.stdout)
        load_phishing_history(stdout=self.stdout)
        load_remedial(stdout=self.stdout)
        load_labs(stdout=self.stdout)
        load_learning(stdout=self.stdout)
        if scale and any(scale.values()):
            # before the snapshots below, so that they count it
            try:
                load_scale(**scale, stdout=self.stdout)
            except AlreadyLoaded as exc:
                raise CommandError(str(exc)) from exc
        # A year of month-end snapshots, so the dashboards' trends have a history.
        call_command("reports", "snapshot", "--months", "12", stdout=self.stdout)

    def serve(self, host: str, port: int) -> None:
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        env = {
            **os.environ,
            "HIFAZAT_DEMO": "1",
            "SITE_URL": os.environ.get("SITE_URL", f"http://{host}:{port}"),
        }
        web = subprocess.Popen(gunicorn_argv(host, port, 2), env=env)
        worker = subprocess.Popen([sys.executable, "-m", "hifazat.cli", "worker"], env=env)
        # The demo's phishing sending profile delivers to this catcher (var/mail/phishing/).
        sink = subprocess.Popen(
            [sys.executable, "-m", "hifazat.demo.mailsink", str(DEMO_SMTP_PORT),
             str(settings.VAR_DIR / "mail" / "phishing")],
            env=env,
        )  # fmt: skip
        self.banner(host, port)
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        # Ctrl-C and SIGTERM only set a flag: a KeyboardInterrupt raised at a random point
        # (inside Popen.poll, say) could leave a lock held and the shutdown below stuck.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping and web.poll() is None and worker.poll() is None:
            time.sleep(0.5)
        self.stdout.write("\nStopping the web server and the worker …")
        self.stdout.flush()
        for proc in (web, worker, sink):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (web, worker, sink):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.stdout.write("Stopped.")
        self.stdout.flush()

    def banner(self, host: str, port: int) -> None:
        width = max(len(label) for label, _, _ in self.accounts)
        lines = [
            "",
            f"Hifazat demo is running at http://{host}:{port}/  (Ctrl-C stops it)",
            f"Every demo account's password: {DEMO_PASSWORD}",
            "Accounts marked TOTP ask for a code: run  .venv/bin/hifazat demo totp EMAIL",
            "",
        ]
        lines += [f"  {label:<{width}}  {email}  {mfa}" for label, email, mfa in self.accounts]
        self.stdout.write("\n".join(lines) + "\n")
