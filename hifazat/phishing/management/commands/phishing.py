"""``hifazat phishing rotate-credentials``: re-encrypt stored SMTP passwords with the first key
of CREDENTIALS_KEYS (put the new key first, run this, then remove the old key).

``hifazat phishing import-reports FILE``: file the reported-phishing mailbox (an mbox file, an
``.eml`` file or a folder of them; see ``hifazat.phishing.reports``), then list the real
messages for the security team and the messages that could not be read. Exit status 1 when
FILE is none of these (nothing is written)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hifazat.phishing import reports, services


class Command(BaseCommand):
    help = "Phishing simulation tools."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rotate-credentials", help="re-encrypt SMTP passwords with the first key")
        imp = sub.add_parser(
            "import-reports",
            help=_("file the reported-phishing mailbox (mbox, .eml or a folder of .eml files)"),
        )
        imp.add_argument("file")

    def handle(self, *args, action, **options):
        if action == "rotate-credentials":
            count = services.rotate_credentials()
            self.stdout.write(f"{count} sending profile password(s) re-encrypted")
        elif action == "import-reports":
            self.import_reports(Path(options["file"]))

    def import_reports(self, path: Path) -> None:
        try:
            result = reports.import_mailbox(path)
        except reports.NotAMailbox as exc:
            raise CommandError(str(exc))
        self.stdout.write(summary(result))
        if result.real_messages:
            self.stdout.write(_("Real messages (for the security team):"))
            for row in result.real_messages:
                self.stdout.write(
                    "  "
                    + _("%(date)s, reported by %(reporter)s, from %(sender)s: %(subject)s")
                    % {
                        "date": timezone.localtime(row.reported_at).strftime("%Y-%m-%d %H:%M"),
                        "reporter": row.reporter or _("(unknown)"),
                        "sender": row.sender or _("(unknown)"),
                        "subject": row.subject or _("(no subject)"),
                    }
                )
        if result.problems:
            self.stdout.write(_("Problems:"))
            for problem in result.problems:
                self.stdout.write("  " + problem)


def summary(result: reports.ImportResult) -> str:
    """E.g. "12 messages: 5 simulation reports (4 new, 1 already reported), 3 real messages,
    1 unreadable, 3 already imported"."""
    simulations = result.simulation_new + result.simulation_repeat
    return _(
        "%(messages)s: %(simulations)s (%(new)d new, %(repeat)d already reported), "
        "%(real)s, %(unreadable)d unreadable, %(already)d already imported"
    ) % {
        "messages": ngettext("%(n)d message", "%(n)d messages", result.total)
        % {"n": result.total},
        "simulations": ngettext("%(n)d simulation report", "%(n)d simulation reports", simulations)
        % {"n": simulations},
        "new": result.simulation_new,
        "repeat": result.simulation_repeat,
        "real": ngettext("%(n)d real message", "%(n)d real messages", result.real)
        % {"n": result.real},
        "unreadable": result.unreadable,
        "already": result.already_imported,
    }
