"""``hifazat curriculum load|check [--path DIR]``: validate (and load) the course files."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hifazat.learning.loader import CurriculumError, load_curriculum, read_curriculum


class Command(BaseCommand):
    help = (
        "Curriculum: load (validate everything, then write it all or nothing), "
        "or check (validate only; needs no database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load", "check"])
        parser.add_argument("--path", default=str(settings.CURRICULUM_DIR))

    def handle(self, *args, action, path, **options):
        try:
            if action == "check":
                courses = read_curriculum(Path(path), use_database=False)
                for course in courses:
                    lessons = sum(len(m["lessons"]) for m in course["modules"])
                    questions = {
                        lang: sum(len(m["questions"].get(lang, [])) for m in course["modules"])
                        for lang in ("en", "ur")
                    }
                    self.stdout.write(
                        f"{course['id']}: {len(course['modules'])} modules, {lessons} lesson files, "
                        f"{questions['en']} questions in English, {questions['ur']} in Urdu: OK"
                    )
                return
            results = load_curriculum(Path(path))
        except CurriculumError as exc:
            raise CommandError(
                f"The curriculum {'has problems' if action == 'check' else 'was not loaded'} ({len(exc.problems)} problem(s)); nothing changed:\n  "
                + "\n  ".join(exc.problems)
            )
        for r in results:
            self.stdout.write(
                f"{r.course}: version {r.version} {'loaded' if r.created else 'unchanged'}"
            )
