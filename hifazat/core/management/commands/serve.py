import os
import sys

from django.core.management.base import BaseCommand


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "hifazat.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "--timeout",
        "60",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl):
        # every server on the machine (demo, tests, benchmarks) would fight over it. Unused here.
        "--no-control-socket",
    ]


class Command(BaseCommand):
    help = "Run the web server (gunicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )

    def handle(self, *args, host, port, workers, **options):
        argv = gunicorn_argv(host, port, workers)
        os.execv(argv[0], argv)  # noqa: S606 - replaces this process with gunicorn
