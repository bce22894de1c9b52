"""``hifazat curriculum load [--path DIR]``: validate and load the course files."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hifazat.learning.loader import CurriculumError, load_curriculum


class Command(BaseCommand):
    help = "Curriculum: load (validate everything, then write it all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"])
        parser.add_argument("--path", default=str(settings.CURRICULUM_DIR))

    def handle(self, *args, action, path, **options):
        try:
            results = load_curriculum(Path(path))
        except CurriculumError as exc:
            raise CommandError(
                f"The curriculum was not loaded ({len(exc.problems)} problem(s)); nothing changed:\n  "
                + "\n  ".join(exc.problems)
            )
        for r in results:
            self.stdout.write(
                f"{r.course}: version {r.version} {'loaded' if r.created else 'unchanged'}"
            )
