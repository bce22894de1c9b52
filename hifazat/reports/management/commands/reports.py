"""``hifazat reports snapshot [--months N] [--force]``: take the current month's snapshot now,
and month-end snapshots for the N months before it that have none (all N with --force);
``hifazat reports send-monthly``: send the monthly reports that are due."""

from django.core.management.base import BaseCommand

from hifazat.reports import snapshots
from hifazat.reports.tasks import send_monthly_reports


class Command(BaseCommand):
    help = "Readiness snapshots and monthly reports."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["snapshot", "send-monthly"])
        parser.add_argument("--months", type=int, default=0, help="month-end snapshots to add")
        parser.add_argument("--force", action="store_true", help="recompute existing months")

    def handle(self, *args, action, months, force, **options):
        if action == "send-monthly":
            sent = send_monthly_reports.call()
            self.stdout.write(f"Monthly reports sent: {sent}")
            return
        for snapshot in snapshots.backfill(months, force=force):
            self.stdout.write(f"Snapshot {snapshot.period:%Y-%m}: {snapshot.seconds:.2f} s")
        snapshot = snapshots.refresh()
        self.stdout.write(f"Snapshot {snapshot.period:%Y-%m} (current): {snapshot.seconds:.2f} s")
