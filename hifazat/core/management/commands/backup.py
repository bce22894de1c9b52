"""``hifazat backup FILE``: a consistent copy of the database.

SQLite: the online backup API (safe while the site runs). PostgreSQL: ``pg_dump`` in its
custom format. ``hifazat restore FILE`` puts either back.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from hifazat.audit.services import audit_record


def pg_env_and_args():
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = [
        "-h",
        db.get("HOST") or "localhost",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
    ]
    return env, args, db["NAME"]


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise CommandError(f"{name} not found: install the PostgreSQL client tools.")


class Command(BaseCommand):
    help = "Back up the database to FILE."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        target = Path(file)
        if target.exists():
            raise CommandError(f"{target} exists; refusing to overwrite it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        audit_record(actor=None, action="backup.made", data={"file": target.name})
        if connection.vendor == "sqlite":
            source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            dest = sqlite3.connect(target)
            with dest:
                source.backup(dest)
            dest.close()
            source.close()
        elif connection.vendor == "postgresql":
            env, args, name = pg_env_and_args()
            subprocess.run(
                [pg_tool("pg_dump"), *args, "-Fc", "-f", str(target), name], env=env, check=True
            )
        else:
            raise CommandError(f"Backups of {connection.vendor} are not supported.")
        self.stdout.write(f"Backup written to {target} ({target.stat().st_size} bytes)")
