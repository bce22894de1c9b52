"""The curriculum loader: everything checked first, precise errors, nothing half-loaded."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from hifazat.assessments.models import Question
from hifazat.learning.loader import CurriculumError, load_curriculum
from hifazat.learning.models import Course, CourseVersion, Lesson

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "curriculum"
    shutil.copytree(settings.CURRICULUM_DIR, root)
    return root


@pytest.mark.smoke
def test_the_real_curriculum_loads_and_reloading_changes_nothing():
    call_command("curriculum", "load")
    course = Course.objects.get(slug="basic")
    assert course.current_version.number == 1
    version = course.current_version
    assert version.modules.count() == 10
    assert version.languages == ["en", "ur"]
    for language in ("en", "ur"):
        assert Lesson.objects.filter(module__version=version, language=language).count() >= 20
        assert Question.objects.filter(version=version, language=language).count() >= 120
    assert Course.objects.get(slug="advanced").prerequisite == course
    call_command("curriculum", "load")
    assert CourseVersion.objects.count() == 3  # one per course (basic, advanced, remedial)


def test_a_change_makes_a_new_version_and_keeps_the_old(tree):
    load_curriculum(tree)
    first = Course.objects.get(slug="basic").current_version
    lesson = next((tree / "basic" / "01-phishing").glob("01-*.en.md"))
    lesson.write_text(lesson.read_text() + "\nOne more sentence.\n")
    load_curriculum(tree)
    course = Course.objects.get(slug="basic")
    assert course.current_version.number == 2
    assert CourseVersion.objects.filter(pk=first.pk).exists()


def expect_error(tree, fragment):
    before = (CourseVersion.objects.count(), Question.objects.count())
    with pytest.raises(CurriculumError) as exc:
        load_curriculum(tree)
    text = str(exc.value)
    assert fragment in text, text
    assert (CourseVersion.objects.count(), Question.objects.count()) == before
    return text


def bank(tree) -> Path:
    return tree / "basic" / "02-passwords" / "questions.en.yaml"


def test_missing_correct_answer_is_named_by_file_and_line(tree):
    load_curriculum(tree)
    text = bank(tree).read_text()
    bank(tree).write_text(text.replace("correct: true", "correct: false", 1))
    message = expect_error(tree, "no correct answer")
    assert "02-passwords/questions.en.yaml:1:" in message


def test_duplicate_question_id(tree):
    path = bank(tree)
    path.write_text(
        path.read_text()
        .replace('id: "pass-02"', 'id: "pass-01"')
        .replace("id: pass-02", "id: pass-01")
    )
    expect_error(tree, "duplicate question id 'pass-01'")


def test_broken_internal_link(tree):
    lesson = next((tree / "basic" / "02-passwords").glob("02-*.en.md"))
    lesson.write_text(lesson.read_text() + "\nSee [this](lesson:passwords/no-such-lesson).\n")
    expect_error(tree, "broken link: no lesson passwords/no-such-lesson")


def test_unknown_module(tree):
    course = tree / "basic" / "course.yaml"
    course.write_text(course.read_text().replace("reporting]", "reporting, ghosts]"))
    expect_error(tree, "unknown module 'ghosts'")


def test_unsafe_html_in_a_lesson_names_the_line(tree):
    lesson = next((tree / "basic" / "01-phishing").glob("01-*.en.md"))
    lines = lesson.read_text().splitlines()
    lines.insert(8, '<script>alert("x")</script>')
    lesson.write_text("\n".join(lines) + "\n")
    message = expect_error(tree, "unsafe HTML")
    assert f"{lesson.name}:9:" in message


def test_broken_yaml_names_the_line(tree):
    path = bank(tree)
    path.write_text(path.read_text() + "\n- id: broken\n  prompt: [unclosed\n")
    expect_error(tree, "not valid YAML")


def test_loader_failure_leaves_what_was_loaded_untouched(tree):
    load_curriculum(tree)
    version = Course.objects.get(slug="basic").current_version
    path = bank(tree)
    path.write_text(path.read_text().replace("correct: true", "correct: false", 1))
    lesson = next((tree / "basic" / "01-phishing").glob("01-*.en.md"))
    lesson.write_text(lesson.read_text() + "\nchanged\n")
    with pytest.raises(CurriculumError):
        load_curriculum(tree)
    assert Course.objects.get(slug="basic").current_version == version
    assert CourseVersion.objects.count() == 3  # the three courses, each still version 1


def test_command_reports_problems_and_fails(tree):
    path = bank(tree)
    path.write_text(path.read_text().replace("correct: true", "correct: false", 1))
    with pytest.raises(CommandError, match="nothing changed"):
        call_command("curriculum", "load", "--path", str(tree))


def test_lesson_markdown_is_sanitised(tree):
    from tests.factories import XSS_PAYLOADS

    lesson = next((tree / "basic" / "01-phishing").glob("01-*.en.md"))
    # payloads that are not raw tags pass the loader; the renderer must still neutralise them
    lesson.write_text(
        lesson.read_text() + "\n[click](javascript:alert(1)) [data](data:text/html,x)\n"
    )
    load_curriculum(tree)
    html = Lesson.objects.get(
        module__slug="phishing", slug=lesson.name.split(".")[0][3:], language="en"
    ).html
    assert "javascript:" not in html and "data:text" not in html
    from hifazat.lib.markdown import render

    for payload in XSS_PAYLOADS:
        out = render(payload)
        assert (
            "<script" not in out
            and "onerror" not in out
            and "<svg" not in out
            and "<iframe" not in out
        )
        assert 'href="javascript' not in out


def urdu_bank(tree) -> Path:
    """The passwords module's Urdu bank, made from the English one (structure is what counts)."""
    path = tree / "basic" / "02-passwords" / "questions.ur.yaml"
    path.write_text(bank(tree).read_text())
    return path


def test_a_translated_question_must_keep_the_english_answer(tree):
    path = urdu_bank(tree)
    text = path.read_text()
    first = text.index("correct: true")
    path.write_text(text[:first] + "correct: false" + text[first + len("correct: true") :])
    message = expect_error(tree, "02-passwords/questions.ur.yaml:1: question pass-01")
    assert "no correct answer" in message or "differs from the English" in message


def test_a_translated_question_must_keep_the_number_of_options(tree):
    path = urdu_bank(tree)
    lines = path.read_text().splitlines()
    # drop the first question's last option (a "- text:" line with no correct flag after it)
    index = next(
        i
        for i, line in enumerate(lines)
        if line.strip().startswith("- text:") and "correct" not in lines[i + 1]
    )
    del lines[index]
    path.write_text("\n".join(lines) + "\n")
    expect_error(tree, "the English has")


def test_a_translation_must_hold_every_english_question(tree):
    path = urdu_bank(tree)
    import yaml

    questions = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump(questions[:-1], allow_unicode=True))
    expect_error(tree, f"not translated: {questions[-1]['id']}")


def test_an_urdu_lesson_needs_an_english_original(tree):
    orphan = tree / "basic" / "02-passwords" / "09-orphan.ur.md"
    orphan.write_text("---\nid: orphan\ntitle: یتیم\nminutes: 5\n---\n\nمتن۔\n")
    expect_error(tree, "09-orphan.ur.md:2: no English lesson 'orphan'")


def test_check_command_validates_without_writing(tree, capsys):
    call_command("curriculum", "check", "--path", str(tree))
    assert "basic: 10 modules" in capsys.readouterr().out
    assert CourseVersion.objects.count() == 0
    path = bank(tree)
    path.write_text(path.read_text().replace("correct: true", "correct: false", 1))
    with pytest.raises(CommandError, match="has problems"):
        call_command("curriculum", "check", "--path", str(tree))
