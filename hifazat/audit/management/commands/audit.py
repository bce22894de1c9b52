"""``hifazat audit verify`` checks the hash chain; ``hifazat audit head`` writes the head out."""

from django.core.management.base import BaseCommand, CommandError

from hifazat.audit.services import audit_verify, audit_write_head


class Command(BaseCommand):
    help = "Audit log tools: verify | head"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "head"])

    def handle(self, *args, action, **options):
        if action == "head":
            seq, digest = audit_write_head()
            self.stdout.write(f"seq={seq} hash={digest}")
            return
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"Audit chain BROKEN at event #{result.broken_seq}: {result.problem} "
                f"({result.checked} events before it are intact)."
            )
        self.stdout.write(f"Audit chain intact: {result.checked} events verified.")
