"""``hifazat import-people FILE [--org CODE] [--dry-run] [--deactivate-missing]``

Exits 0 when every row was accepted, 1 when anything was rejected (nothing is written then),
2 when the file cannot be read.
"""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from hifazat.orgs.imports.services import people_import
from hifazat.orgs.models import Organisation


class Command(BaseCommand):
    help = "Import people from an HR list (CSV or XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--org", help="organisation code: only this subtree may be imported into"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, write nothing"
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="deactivate active people of --org's subtree who are not in the file",
        )
        parser.add_argument("--yes", action="store_true", help="do not ask before deactivating")
        parser.add_argument(
            "--encoding", help="the CSV's encoding when it is not UTF-8 (e.g. cp1252)"
        )

    def handle(self, *args, file, org, dry_run, deactivate_missing, yes, encoding, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if path.stat().st_size > settings.IMPORT_MAX_BYTES:
            self.stderr.write(
                f"{path.name}: the file is {path.stat().st_size / 1_048_576:.1f} MB; the limit is "
                f"{settings.IMPORT_MAX_BYTES / 1_048_576:.0f} MB. Split it by organisation."
            )
            sys.exit(2)
        organisation = None
        if org:
            organisation = Organisation.objects.filter(code=org.upper()).first()
            if organisation is None:
                raise CommandError(f"--org {org}: no such organisation code")
        data = path.read_bytes()
        kwargs = {
            "actor": None,
            "data": data,
            "filename": path.name,
            "org": organisation,
            "deactivate_missing": deactivate_missing,
            "encoding": encoding,
        }
        needs_confirmation = deactivate_missing and not dry_run and not yes
        with tqdm(desc="Checking rows", unit="rows", file=sys.stderr, disable=None) as bar:
            report = people_import(
                **kwargs, dry_run=dry_run or needs_confirmation, progress=bar.update
            )
        if report.ok and needs_confirmation:
            self.stdout.write(
                f"{report.to_deactivate} active people of {organisation.code} and below are not in "
                "the file and will be deactivated."
            )
            if (
                not sys.stdin.isatty()
                or input("Type 'yes' to import and deactivate them: ").strip() != "yes"
            ):
                self.stderr.write("Nothing imported. (Use --yes to confirm without asking.)")
                sys.exit(1)
            report = people_import(**kwargs, dry_run=False)
        self.print_report(report)
        if report.file_error:
            sys.exit(2)
        if report.errors:
            sys.exit(1)

    def print_report(self, report):
        out = self.stdout
        for warning in report.warnings:
            out.write(f"warning: {warning}")
        if report.file_error:
            self.stderr.write(f"{report.filename}: {report.file_error}")
            return
        if report.errors:
            out.write(
                f"{report.filename}: {report.rejected} of {report.rows} rows rejected; nothing was imported."
            )
            out.write(f"{'row':>6}  {'column':<16} {'value':<30} problem")
            for e in report.errors:
                out.write(f"{e.row:>6}  {e.column:<16} {e.value[:30]:<30} {e.message}")
            return
        verb = "would be" if report.dry_run else "were"
        out.write(
            f"{report.filename}: {report.rows} rows — {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.to_deactivate if report.dry_run else report.deactivated} "
            f"deactivated, 0 rejected ({'dry run: nothing ' + verb + ' written' if report.dry_run else 'imported'})."
        )
