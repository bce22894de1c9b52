"""The quiz engine: draws, autosave sequence, deadline, idempotent submit, privacy of answers."""

import re
import threading
import time

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from hifazat.assessments.models import Answer, Attempt, Question
from hifazat.assessments.services import StaleSave, attempt_save, attempt_start, attempt_submit
from hifazat.learning.models import Certificate, Course, Enrolment
from hifazat.learning.services import enrolment_self

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def course(db):
    call_command("curriculum", "load", verbosity=0)
    return Course.objects.get(slug="basic")


@pytest.fixture
def enrolment(course, personas):
    return enrolment_self(actor=personas.learner_a, course=course)


def right_answers(attempt):
    qs = {
        q.qid: q
        for q in Question.objects.filter(
            version=attempt.enrolment.version, language="en", qid__in=attempt.qids
        )
    }
    return {qid: list(qs[qid].answer) for qid in attempt.qids}


def form_data(attempt, answers, seq):
    data = {"seq": str(seq)}
    for qid, keys in answers.items():
        q = Question.objects.get(version=attempt.enrolment.version, language="en", qid=qid)
        if q.type == "ordering":
            for position, key in enumerate(keys, start=1):
                data[f"q-{qid}-{key}"] = str(position)
        else:
            data[f"q-{qid}"] = keys if len(keys) > 1 else keys[0]
    return data


@pytest.mark.smoke
def test_draw_takes_the_same_number_from_each_module_and_shuffles(enrolment, personas):
    attempt = attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="pre")
    modules = list(
        Question.objects.filter(qid__in=attempt.qids, language="en").values_list(
            "module__slug", flat=True
        )
    )
    slugs = list(enrolment.version.modules.values_list("slug", flat=True))
    assert len(slugs) == 10
    assert sorted(modules) == sorted(slugs * 2)  # two from every module
    assert set(attempt.option_orders) == set(attempt.qids)


def test_final_draw_avoids_questions_already_seen(enrolment, personas):
    pre = attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="pre")
    attempt_submit(actor=personas.learner_a, attempt=pre)
    final = attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="final")
    assert not set(pre.qids) & set(final.qids)


def test_correct_answers_never_reach_the_page_before_submission(enrolment, personas, client_as):
    c = client_as(personas.learner_a)
    c.post(reverse("learning:test_start", args=["basic", "final"]))
    attempt = Attempt.objects.get(enrolment=enrolment, kind="final")
    body = c.get(reverse("learning:attempt", args=[attempt.pk])).content.decode()
    for q in Question.objects.filter(qid__in=attempt.qids, language="en"):
        assert escape(q.prompt) in body
        assert q.explanation[:60] not in body  # explanations come only after submitting
        # nothing in the markup (attributes, scripts) marks an option as the right one;
        # question texts themselves may use the word "correct"
        markup = " ".join(re.findall(r"<[^>]+>", body)).lower()
        assert "correct" not in markup.replace("incorrect", "")
        assert "answer" not in markup.replace("answers", "").replace("answer-", "")


def test_autosave_sequence_stale_tab_and_repeat(enrolment, personas, client_as):
    c = client_as(personas.learner_a)
    c.post(reverse("learning:test_start", args=["basic", "final"]))
    attempt = Attempt.objects.get(enrolment=enrolment, kind="final")
    answers = right_answers(attempt)
    first = dict(list(answers.items())[:2])
    url = reverse("learning:attempt_save", args=[attempt.pk])
    r = c.post(url, form_data(attempt, first, 1), HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json() == {"saved": 1}
    r = c.post(
        url, form_data(attempt, first, 1), HTTP_ACCEPT="application/json"
    )  # the same save again
    assert r.status_code == 200 and Answer.objects.filter(attempt=attempt).count() == 2
    c.post(url, form_data(attempt, answers, 3), HTTP_ACCEPT="application/json")
    stale = c.post(url, form_data(attempt, first, 2), HTTP_ACCEPT="application/json")
    assert stale.status_code == 409
    assert Answer.objects.filter(attempt=attempt).count() == len(answers)
    # a reload finds the answers kept
    page = c.get(reverse("learning:attempt", args=[attempt.pk])).content.decode()
    assert page.count("checked") >= 1 and 'name="seq" value="3"' in page


def test_extra_fields_cannot_set_the_score(enrolment, personas, client_as):
    c = client_as(personas.learner_a)
    c.post(reverse("learning:test_start", args=["basic", "final"]))
    attempt = Attempt.objects.get(enrolment=enrolment, kind="final")
    c.post(
        reverse("learning:attempt_submit", args=[attempt.pk]),
        {"seq": "1", "score": "100", "passed": "on", "attempt_no": "0", "correct": "99"},
    )
    attempt.refresh_from_db()
    assert attempt.score == 0 and attempt.passed is False and attempt.number == 1


def test_passing_issues_a_certificate_and_submit_is_idempotent(enrolment, personas, client_as):
    c = client_as(personas.learner_a)
    c.post(reverse("learning:test_start", args=["basic", "final"]))
    attempt = Attempt.objects.get(enrolment=enrolment, kind="final")
    url = reverse("learning:attempt_submit", args=[attempt.pk])
    c.post(url, form_data(attempt, right_answers(attempt), 1))
    c.post(url, form_data(attempt, {}, 2))  # a second submit changes nothing
    attempt.refresh_from_db()
    assert attempt.score == 100 and attempt.passed
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"
    assert Certificate.objects.filter(enrolment=enrolment).count() == 1
    result = c.get(reverse("learning:attempt_result", args=[attempt.pk])).content.decode()
    q = Question.objects.get(qid=attempt.qids[0], language="en")
    assert q.explanation[:40].replace('"', "&quot;").replace("'", "&#x27;") in result


def test_the_deadline_is_the_servers(enrolment, personas):
    attempt = attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="final")
    answers = right_answers(attempt)
    with time_machine.travel(time.time() + 31 * 60 + 60):
        with pytest.raises(Exception, match="Time is up"):
            attempt_save(actor=personas.learner_a, attempt=attempt, seq=1, answers=answers)
        result = attempt_submit(actor=personas.learner_a, attempt=attempt, seq=2, answers=answers)
    assert result.score == 0  # answers sent after the deadline do not count


def test_attempt_limit(enrolment, personas):
    for _ in range(3):
        a = attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="final")
        attempt_submit(actor=personas.learner_a, attempt=a)
    with pytest.raises(Exception, match="all 3 attempts"):
        attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="final")


def test_learners_never_see_anothers_attempt(enrolment, personas, client_as):
    attempt = attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="pre")
    other = client_as(personas.focal_a)
    for name in ("learning:attempt", "learning:attempt_result"):
        assert other.get(reverse(name, args=[attempt.pk])).status_code == 404
    assert (
        other.post(reverse("learning:attempt_save", args=[attempt.pk]), {"seq": "5"}).status_code
        == 404
    )
    assert other.post(reverse("learning:attempt_submit", args=[attempt.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        attempt_save(actor=personas.focal_a, attempt=attempt, seq=9, answers={})


def test_stale_save_is_its_own_error(enrolment, personas):
    attempt = attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="final")
    attempt_save(actor=personas.learner_a, attempt=attempt, seq=5, answers={})
    with pytest.raises(StaleSave):
        attempt_save(actor=personas.learner_a, attempt=attempt, seq=4, answers={})


def _parallel(n, fn):
    errors, results = [], []

    def run():
        try:
            results.append(fn())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_give_one_result(personas):
    call_command("curriculum", "load", verbosity=0)
    enrolment = enrolment_self(actor=personas.learner_a, course=Course.objects.get(slug="basic"))
    attempt = attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="final")
    answers = right_answers(attempt)
    results, errors = _parallel(
        4,
        lambda: attempt_submit(actor=personas.learner_a, attempt=attempt, seq=1, answers=answers),
    )
    assert not errors
    assert len({r.submitted_at for r in results}) == 1
    assert Certificate.objects.filter(enrolment=enrolment).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_starts_cannot_exceed_the_attempt_limit(personas):
    call_command("curriculum", "load", verbosity=0)
    enrolment = enrolment_self(actor=personas.learner_a, course=Course.objects.get(slug="basic"))
    for _ in range(2):
        attempt_submit(
            actor=personas.learner_a,
            attempt=attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="final"),
        )

    def start_and_submit():
        a = attempt_start(
            actor=personas.learner_a,
            enrolment=Enrolment.objects.get(pk=enrolment.pk),
            kind="final",
        )
        return attempt_submit(actor=personas.learner_a, attempt=a)

    _parallel(5, start_and_submit)
    assert Attempt.objects.filter(enrolment=enrolment, kind="final").count() == 3
