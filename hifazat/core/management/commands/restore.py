"""``hifazat restore FILE``: replace the database with a backup made by ``hifazat backup``."""

import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from hifazat.core.management.commands.backup import pg_env_and_args, pg_tool


class Command(BaseCommand):
    help = "Restore the database from FILE (replaces what is there)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, file, yes, **options):
        source = Path(file)
        if not source.exists():
            raise CommandError(f"{source} does not exist.")
        if (
            not yes
            and input("This replaces the whole database. Type 'restore' to go on: ") != "restore"
        ):
            raise CommandError("Not restored.")
        if connection.vendor == "sqlite":
            with source.open("rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise CommandError(f"{source} is not an SQLite backup.")
            connections.close_all()
            src = sqlite3.connect(source)
            dest = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            with dest:
                src.backup(dest)
            dest.close()
            src.close()
        elif connection.vendor == "postgresql":
            connections.close_all()
            env, args, name = pg_env_and_args()
            subprocess.run(
                [
                    pg_tool("pg_restore"),
                    *args,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "-d",
                    name,
                    str(source),
                ],
                env=env,
                check=True,
            )
        else:
            raise CommandError(f"Restores of {connection.vendor} are not supported.")
        self.stdout.write(f"Restored from {source}")
