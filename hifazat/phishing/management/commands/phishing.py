"""``hifazat phishing rotate-credentials``: re-encrypt stored SMTP passwords with the first key
of CREDENTIALS_KEYS (put the new key first, run this, then remove the old key)."""

from django.core.management.base import BaseCommand

from hifazat.phishing import services


class Command(BaseCommand):
    help = "Phishing simulation tools."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rotate-credentials", help="re-encrypt SMTP passwords with the first key")

    def handle(self, *args, action, **options):
        if action == "rotate-credentials":
            count = services.rotate_credentials()
            self.stdout.write(f"{count} sending profile password(s) re-encrypted")
