"""``hifazat curriculum load``: read curriculum/ (see curriculum/README.md), validate all of it,
then write it in one transaction — or stop with every problem named by file and line, having
changed nothing. A course whose files changed gets a new version; enrolments keep theirs.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from hifazat.lib.markdown import raw_html_lines, render

LANGUAGES = ("en", "ur")
TRUE_FALSE = {"en": ("True", "False"), "ur": ("درست", "غلط")}
AUDIENCES = ("all_staff", "it_admin")
TYPES = ("single", "multiple", "true_false", "ordering")
MODULE_DIR = re.compile(r"^(\d{2})-([a-z0-9-]+)$")
LESSON_FILE = re.compile(r"^(\d{2})-([a-z0-9-]+)\.(en|ur)\.md$")
LESSON_LINK = re.compile(r"lesson:([a-z0-9-]+)/([a-z0-9-]+)")


class CurriculumError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Problems:
    root: Path
    items: list[str] = field(default_factory=list)

    def add(self, path: Path, line: int | None, message: str) -> None:
        where = str(path.relative_to(self.root.parent)) + (f":{line}" if line else "")
        self.items.append(f"{where}: {message}")


def _yaml(path: Path, problems: Problems):
    """(data, node) or (None, None) after recording the syntax error with its line."""
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(
            path,
            mark.line + 1 if mark else None,
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
        )
        return None, None


def _front_matter(path: Path, problems: Problems):
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        problems.add(path, 1, "a lesson starts with YAML front matter between two '---' lines")
        return None, ""
    end = text.find("\n---", 4)
    if end == -1:
        problems.add(path, 1, "the front matter is not closed by a '---' line")
        return None, ""
    # The body starts on the closing '---' line (its first "line" is empty), so the body's
    # line k is the file's line body_offset + k - 1.
    head, body = text[4:end], text[end + 4 :]
    body_offset = text[: end + 4].count("\n") + 1
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(
            path, (mark.line + 2) if mark else 1, f"front matter is not valid YAML: {exc}"
        )
        return None, ""
    return meta | {"_body_offset": body_offset}, body


def _spec_course(folder: Path, problems: Problems, known_courses: set[str]) -> dict | None:
    path = folder / "course.yaml"
    data, _ = _yaml(path, problems)
    if not isinstance(data, dict):
        if data is not None:
            problems.add(path, 1, "course.yaml must be a mapping")
        return None
    course = {
        k: data.get(k)
        for k in ("id", "title", "title_ur", "audience", "prerequisite", "summary", "summary_ur")
    }
    for key in ("title_ur", "summary", "summary_ur"):
        course[key] = str(course[key] or "")
    if course["id"] != folder.name:
        problems.add(path, None, f"id must be the folder's name ({folder.name!r})")
    for key in ("title",):
        if not course[key]:
            problems.add(path, None, f"{key} is required")
    if course["audience"] not in AUDIENCES:
        problems.add(path, None, f"audience must be one of {', '.join(AUDIENCES)}")
    if course["prerequisite"] and course["prerequisite"] not in known_courses:
        problems.add(path, None, f"prerequisite {course['prerequisite']!r} is not a known course")
    numbers = {
        "validity_months": (1, 60, 12),
        "pass_mark": (1, 100, 70),
        "questions_per_module": (1, 20, 2),
        "time_limit_minutes": (1, 240, 30),
        "max_attempts": (1, 20, 3),
    }
    for key, (low, high, default) in numbers.items():
        value = data.get(key, default)
        if not isinstance(value, int) or not low <= value <= high:
            problems.add(path, None, f"{key} must be a whole number from {low} to {high}")
            value = default
        course[key] = value
    modules = data.get("modules")
    if not isinstance(modules, list) or not modules:
        problems.add(path, None, "modules must list the course's modules in order")
        modules = []
    course["module_order"] = [str(m) for m in modules]
    return course


def _spec_module(folder: Path, problems: Problems) -> dict | None:
    path = folder / "module.yaml"
    match = MODULE_DIR.match(folder.name)
    if not match:
        problems.add(folder, None, "a module folder is named NN-slug (e.g. 01-phishing)")
        return None
    slug = match.group(2)
    if not path.exists():
        problems.add(path, None, "missing module.yaml")
        return None
    data, _ = _yaml(path, problems)
    if not isinstance(data, dict):
        return None
    if data.get("id") != slug:
        problems.add(path, None, f"id must be {slug!r} (from the folder's name)")
    if not data.get("title"):
        problems.add(path, None, "title is required")
    module = {
        "slug": slug,
        "folder": folder,
        "order": int(match.group(1)),
        "title": str(data.get("title", "")),
        "title_ur": str(data.get("title_ur", "")),
        "summary": str(data.get("summary", "")),
        "summary_ur": str(data.get("summary_ur", "")),
        "lessons": [],
        "questions": {},
    }
    seen: dict[tuple[str, str], Path] = {}
    for lesson_path in sorted(folder.glob("*.md")):
        m = LESSON_FILE.match(lesson_path.name)
        if not m:
            problems.add(
                lesson_path, None, "a lesson file is named NN-slug.en.md or NN-slug.ur.md"
            )
            continue
        meta, body = _front_matter(lesson_path, problems)
        if meta is None:
            continue
        order, lesson_slug, language = int(m.group(1)), m.group(2), m.group(3)
        if meta.get("id") != lesson_slug:
            problems.add(lesson_path, 2, f"id must be {lesson_slug!r} (from the file's name)")
        if (lesson_slug, language) in seen:
            problems.add(
                lesson_path,
                2,
                f"duplicate lesson id {lesson_slug!r} (also {seen[(lesson_slug, language)].name})",
            )
        seen[(lesson_slug, language)] = lesson_path
        if not meta.get("title"):
            problems.add(lesson_path, 2, "title is required")
        minutes = meta.get("minutes")
        if not isinstance(minutes, int) or not 1 <= minutes <= 60:
            problems.add(lesson_path, 2, "minutes must be a whole number from 1 to 60")
            minutes = 5
        for line in raw_html_lines(body):
            problems.add(
                lesson_path,
                line + meta["_body_offset"] - 1,
                "unsafe HTML: write Markdown, not HTML tags",
            )
        module["lessons"].append(
            {
                "slug": lesson_slug,
                "order": order,
                "language": language,
                "path": lesson_path,
                "title": str(meta.get("title", "")),
                "minutes": minutes,
                "body": body,
                "body_offset": meta["_body_offset"],
            }
        )
    if not any(lesson["language"] == "en" for lesson in module["lessons"]):
        problems.add(folder, None, "a module needs at least one English lesson")
    for language in LANGUAGES:
        bank = folder / f"questions.{language}.yaml"
        if bank.exists():
            module["questions"][language] = _spec_questions(bank, problems, language)
    if "en" not in module["questions"]:
        problems.add(
            folder / "questions.en.yaml",
            None,
            "missing: every module has an English question bank",
        )
    return module


def _spec_questions(path: Path, problems: Problems, language: str = "en") -> list[dict]:
    data, node = _yaml(path, problems)
    if data is None:
        return []
    if not isinstance(data, list):
        problems.add(path, 1, "a question bank is a list of questions")
        return []
    questions = []
    for item, item_node in zip(data, node.value, strict=False):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            problems.add(path, line, "each question is a mapping")
            continue
        qid, qtype = str(item.get("id") or ""), item.get("type")
        label = f"question {qid or '(no id)'}"
        if not qid or not re.match(r"^[a-z0-9-]+$", qid):
            problems.add(
                path, line, f"{label}: id is required (lower-case letters, digits, hyphens)"
            )
        if qtype not in TYPES:
            problems.add(path, line, f"{label}: type must be one of {', '.join(TYPES)}")
            continue
        if not str(item.get("prompt") or "").strip():
            problems.add(path, line, f"{label}: prompt is required")
        if not str(item.get("explanation") or "").strip():
            problems.add(path, line, f"{label}: explanation is required")
        options, answer = [], []
        if qtype in ("single", "multiple"):
            raw = item.get("options")
            if not isinstance(raw, list) or not 2 <= len(raw) <= 6:
                problems.add(path, line, f"{label}: options must list 2 to 6 choices")
                raw = []
            for i, opt in enumerate(raw):
                key = "abcdef"[i]
                text = str(opt.get("text", "")).strip() if isinstance(opt, dict) else ""
                if not text:
                    problems.add(path, line, f"{label}: option {i + 1} has no text")
                options.append({"key": key, "text": text})
                if isinstance(opt, dict) and opt.get("correct") is True:
                    answer.append(key)
            if not answer:
                problems.add(
                    path, line, f"{label}: no correct answer (mark one option `correct: true`)"
                )
            elif qtype == "single" and len(answer) != 1:
                problems.add(
                    path, line, f"{label}: a single-choice question has exactly one correct option"
                )
        elif qtype == "true_false":
            if not isinstance(item.get("answer"), bool):
                problems.add(path, line, f"{label}: no correct answer (answer: true or false)")
            options = [
                {"key": "true", "text": TRUE_FALSE[language][0]},
                {"key": "false", "text": TRUE_FALSE[language][1]},
            ]
            answer = ["true" if item.get("answer") else "false"]
        elif qtype == "ordering":
            steps = item.get("steps")
            if (
                not isinstance(steps, list)
                or not 2 <= len(steps) <= 8
                or not all(str(s).strip() for s in steps)
            ):
                problems.add(
                    path, line, f"{label}: steps must list 2 to 8 steps in the right order"
                )
                steps = []
            options = [{"key": "abcdefgh"[i], "text": str(s)} for i, s in enumerate(steps)]
            answer = [o["key"] for o in options]
        # Question texts are shown as plain, escaped text: no Markdown, no HTML check needed.
        questions.append(
            {
                "qid": qid,
                "type": qtype,
                "prompt": str(item.get("prompt", "")).strip(),
                "options": options,
                "answer": answer,
                "line": line,
                "explanation": str(item.get("explanation", "")).strip(),
            }
        )
    return questions


def read_curriculum(root: Path, *, use_database: bool = True) -> list[dict]:
    """Parse and validate every course under ``root``; raise CurriculumError naming all problems.

    With ``use_database=False`` (``hifazat curriculum check``) a prerequisite must be a course
    in the same folder, and nothing is read from the database."""
    problems = Problems(root)
    if not root.is_dir():
        raise CurriculumError([f"{root}: no curriculum folder"])
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "course.yaml").exists())
    known = {f.name for f in folders}
    if use_database:
        from hifazat.learning.models import Course

        known |= set(Course.objects.values_list("slug", flat=True))
    courses = []
    for folder in folders:
        course = _spec_course(folder, problems, known)
        if course is None:
            continue
        modules = {}
        for module_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            module = _spec_module(module_dir, problems)
            if module:
                modules[module["slug"]] = module
        for slug in course["module_order"]:
            if slug not in modules:
                problems.add(
                    folder / "course.yaml", None, f"unknown module {slug!r}: no folder NN-{slug}"
                )
        for slug in modules:
            if slug not in course["module_order"]:
                problems.add(
                    folder / "course.yaml",
                    None,
                    f"module folder {slug!r} is not listed in modules",
                )
        course["modules"] = [modules[s] for s in course["module_order"] if s in modules]
        _check_course_wide(course, problems)
        courses.append(course)
    if problems.items:
        raise CurriculumError(problems.items)
    return courses


def _check_course_wide(course: dict, problems: Problems) -> None:
    lessons = {(m["slug"], lesson["slug"]) for m in course["modules"] for lesson in m["lessons"]}
    for language in LANGUAGES:
        seen: dict[str, str] = {}
        for module in course["modules"]:
            for q in module["questions"].get(language, []):
                bank = module_bank_path(course, module, language)
                if q["qid"] in seen:
                    problems.add(
                        bank,
                        q["line"],
                        f"duplicate question id {q['qid']!r} (also in module {seen[q['qid']]})",
                    )
                seen[q["qid"]] = module["slug"]
    for module in course["modules"]:
        english = module["questions"].get("en", [])
        if len(english) < course["questions_per_module"]:
            problems.add(
                module_bank_path(course, module, "en"),
                None,
                f"has {len(english)} questions; the course draws {course['questions_per_module']} per module",
            )
        urdu = module["questions"].get("ur")
        if urdu is not None:
            _check_translation(course, module, english, urdu, problems)
        english_lessons = {
            lesson["slug"] for lesson in module["lessons"] if lesson["language"] == "en"
        }
        for lesson in module["lessons"]:
            if lesson["language"] != "en" and lesson["slug"] not in english_lessons:
                problems.add(
                    lesson["path"],
                    2,
                    f"no English lesson {lesson['slug']!r}: every translation has an English original",
                )
        for lesson in module["lessons"]:
            for number, text in enumerate(
                lesson["body"].splitlines(), start=lesson["body_offset"]
            ):
                for target in LESSON_LINK.findall(text):
                    if target not in lessons:
                        problems.add(
                            lesson["path"],
                            number,
                            f"broken link: no lesson {target[0]}/{target[1]}",
                        )


def _check_translation(
    course: dict, module: dict, english: list[dict], urdu: list[dict], problems: Problems
) -> None:
    """A translated bank has the same questions with the same answer keys: attempts are drawn
    and graded on the English bank, and shown in the learner's language."""
    path = module_bank_path(course, module, "ur")
    originals = {q["qid"]: q for q in english}
    for q in urdu:
        original = originals.get(q["qid"])
        label = f"question {q['qid']}"
        if original is None:
            problems.add(path, q["line"], f"{label}: no question with this id in the English bank")
        elif q["type"] != original["type"]:
            problems.add(
                path,
                q["line"],
                f"{label}: type {q['type']} differs from English ({original['type']})",
            )
        elif len(q["options"]) != len(original["options"]):
            what = "steps" if q["type"] == "ordering" else "options"
            problems.add(
                path,
                q["line"],
                f"{label}: {len(q['options'])} {what}, the English has {len(original['options'])}",
            )
        elif q["answer"] != original["answer"]:
            problems.add(
                path,
                q["line"],
                f"{label}: the correct answer differs from the English "
                f"({', '.join(q['answer'])} instead of {', '.join(original['answer'])})",
            )
    missing = sorted(set(originals) - {q["qid"] for q in urdu})
    if missing:
        problems.add(path, None, f"not translated: {', '.join(missing)}")


def module_bank_path(course: dict, module: dict, language: str) -> Path:
    return module["folder"] / f"questions.{language}.yaml"


def content_hash(course: dict) -> str:
    def clean(value):
        if isinstance(value, dict):
            return {
                k: clean(v)
                for k, v in value.items()
                if k not in ("path", "folder", "line", "body_offset")
            }
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return hashlib.sha256(
        json.dumps(clean(course), sort_keys=True, default=str).encode()
    ).hexdigest()


@dataclass
class LoadResult:
    course: str
    version: int
    created: bool


def load_curriculum(root: Path) -> list[LoadResult]:
    """Validate everything first, then write in one transaction (all or nothing)."""
    from hifazat.audit.services import audit_record

    specs = read_curriculum(root)
    results = []
    # A prerequisite is written before the course that needs it.
    written: set[str] = set()
    ordered = []
    while len(ordered) < len(specs):
        ready = [
            s
            for s in specs
            if s["id"] not in written
            and (
                not s["prerequisite"]
                or s["prerequisite"] in written
                or s["prerequisite"] not in {x["id"] for x in specs}
            )
        ]
        if not ready:
            raise CurriculumError(["courses require each other as prerequisites"])
        for spec in ready:
            written.add(spec["id"])
            ordered.append(spec)
    with transaction.atomic():
        for spec in ordered:
            results.append(_write_course(spec))
        changed = [f"{r.course} v{r.version}" for r in results if r.created]
        if changed:
            audit_record(
                actor=None,
                action="curriculum.loaded",
                object_type="learning.course",
                data={"versions": changed},
            )
    return results


def _write_course(spec: dict) -> LoadResult:
    from django.urls import reverse

    from hifazat.assessments.models import Question
    from hifazat.learning.models import Course, CourseVersion, Lesson, Module

    digest = content_hash(spec)
    course, _ = Course.objects.get_or_create(
        slug=spec["id"], defaults={"title": spec["title"], "audience": spec["audience"]}
    )
    if course.current_version_id and course.current_version.content_hash == digest:
        return LoadResult(course.slug, course.current_version.number, False)
    prerequisite = (
        Course.objects.filter(slug=spec["prerequisite"]).first() if spec["prerequisite"] else None
    )
    number = (
        course.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    languages = sorted({lesson["language"] for m in spec["modules"] for lesson in m["lessons"]})
    version = CourseVersion.objects.create(
        course=course,
        number=number,
        content_hash=digest,
        title=spec["title"],
        title_ur=spec["title_ur"],
        summary=spec["summary"],
        summary_ur=spec["summary_ur"],
        languages=languages,
        **{
            k: spec[k]
            for k in (
                "validity_months",
                "pass_mark",
                "questions_per_module",
                "time_limit_minutes",
                "max_attempts",
            )
        },
    )

    def resolve(href: str) -> str:
        match = LESSON_LINK.fullmatch(href)
        if not match:
            return href
        return reverse("learning:lesson", args=[course.slug, match.group(1), match.group(2)])

    for module_spec in spec["modules"]:
        module = Module.objects.create(
            version=version,
            slug=module_spec["slug"],
            order=module_spec["order"],
            title=module_spec["title"],
            title_ur=module_spec["title_ur"],
            summary=module_spec["summary"],
            summary_ur=module_spec["summary_ur"],
        )
        Lesson.objects.bulk_create(
            [
                Lesson(
                    module=module,
                    slug=lesson["slug"],
                    language=lesson["language"],
                    order=lesson["order"],
                    title=lesson["title"],
                    minutes=lesson["minutes"],
                    html=render(lesson["body"], resolve),
                )
                for lesson in module_spec["lessons"]
            ]
        )
        Question.objects.bulk_create(
            [
                Question(
                    version=version,
                    module=module,
                    qid=q["qid"],
                    language=language,
                    type=q["type"],
                    prompt=q["prompt"],
                    options=q["options"],
                    answer=q["answer"],
                    explanation=q["explanation"],
                )
                for language, bank in module_spec["questions"].items()
                for q in bank
            ]
        )
    course.title, course.title_ur, course.audience = (
        spec["title"],
        spec["title_ur"],
        spec["audience"],
    )
    course.summary, course.summary_ur = spec["summary"], spec["summary_ur"]
    course.prerequisite, course.current_version = prerequisite, version
    course.save()
    return LoadResult(course.slug, number, True)
