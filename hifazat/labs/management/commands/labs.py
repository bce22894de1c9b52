"""``hifazat labs load``: check every lab package and create or update its Lab row (nothing is
written when any package is broken; the error names the file and the place).
``hifazat labs case SLUG SEED DIR``: write one case's evidence to DIR (for lab authors).
``hifazat labs rebuild-standings``: recompute the scoreboards' standings from the attempts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hifazat.labs import registry, services


class Command(BaseCommand):
    help = "Hands-on labs: load the lab packages, or write out one case."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="check and load every lab package")
        sub.add_parser("rebuild-standings", help="recompute every scoreboard standing")
        case = sub.add_parser("case", help="write one case's evidence and answers to a folder")
        case.add_argument("slug")
        case.add_argument("seed", type=int)
        case.add_argument("directory")

    def handle(self, *args, action, **options):
        try:
            if action == "load":
                for slug, outcome in registry.load_all():
                    self.stdout.write(f"{slug}: {outcome}")
            elif action == "rebuild-standings":
                self.stdout.write(f"{services.rebuild_standings()} standings rebuilt")
            else:
                self.write_case(options["slug"], options["seed"], Path(options["directory"]))
        except registry.LabDefinitionError as exc:
            raise CommandError(str(exc))

    def write_case(self, slug: str, seed: int, directory: Path) -> None:
        case = registry.package(slug).generate(seed)
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in case.files.items():
            path = directory / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        lines = [f"{qid}: {answer!r}" for qid, answer in case.answers.items()]
        (directory / "ANSWERS.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.stdout.write(f"{len(case.files)} files and ANSWERS.txt written to {directory}")
