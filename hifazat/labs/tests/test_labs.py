"""The lab engine: cases per learner, limits under concurrency, scope, what reaches the browser,
scoreboards, hints, loading errors and the API."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import pytest
import yaml
from django.db import close_old_connections, connection
from django.urls import reverse

from hifazat.labs import registry, services
from hifazat.labs.models import HintUse, Lab, LabAttempt, QuestionState, Submission
from hifazat.orgs.roles import Role
from tests.factories import make_person, make_totp

pytestmark = [pytest.mark.django_db]
SLUG = "ssh-bruteforce"


@pytest.fixture
def lab(db):
    registry.load_all()
    return Lab.objects.get(slug=SLUG)


@pytest.fixture
def admins(orgs):
    a = make_person("Adeel Admin", orgs["dep_a"], track="it_admin")
    b = make_person("SENTINEL-LAB-B Bilal", orgs["div_b"], track="it_admin")
    return a, b


def _wrong(attempt, question="attacker-ip"):
    return "198.51.100.254" if attempt.answers[question] != "198.51.100.254" else "192.0.2.254"


def test_each_learner_has_their_own_case_and_always_the_same(lab, admins):
    a, b = admins
    case_a = services.open_case(actor=a, lab=lab)
    case_b = services.open_case(actor=b, lab=lab)
    assert case_a.seed != case_b.seed and case_a.answers != case_b.answers
    again = services.open_case(actor=a, lab=lab)
    assert again.pk == case_a.pk and again.answers == case_a.answers
    assert registry.seed_for(SLUG, a.pk) == case_a.seed
    assert QuestionState.objects.filter(attempt=case_a).count() == len(lab.questions)


def test_a_correct_answer_scores_once_and_a_solved_question_takes_no_more(lab, admins):
    a, _b = admins
    attempt = services.open_case(actor=a, lab=lab)
    out = services.submit(actor=a, attempt=attempt, question="attacker-ip", answer=_wrong(attempt))
    assert out.verdict and not out.verdict.correct
    right = attempt.answers["attacker-ip"]
    out = services.submit(actor=a, attempt=attempt, question="attacker-ip", answer=right)
    assert out.verdict.correct
    attempt.refresh_from_db()
    assert attempt.points == lab.question("attacker-ip")["points"] and attempt.solved == 1
    again = services.submit(actor=a, attempt=attempt, question="attacker-ip", answer=right)
    assert again.verdict is None and again.refused
    assert Submission.objects.filter(attempt=attempt).count() == 2


def test_hints_cost_points_are_taken_in_order_and_logged(lab, admins):
    a, _b = admins
    attempt = services.open_case(actor=a, lab=lab)
    q = next(q for q in lab.questions if q["hints"])
    with pytest.raises(Exception):  # noqa: B017 - ValidationError: the first hint first
        if len(q["hints"]) > 1:
            services.take_hint(actor=a, attempt=attempt, question=q["id"], index=1)
        else:
            raise ValueError
    text = services.take_hint(actor=a, attempt=attempt, question=q["id"], index=0)
    assert text
    services.take_hint(actor=a, attempt=attempt, question=q["id"], index=0)  # charged once
    attempt.refresh_from_db()
    assert attempt.points == -q["hints"][0]["cost"]
    assert HintUse.objects.filter(attempt=attempt).count() == 1


def test_rate_limit_and_attempt_limit(lab, admins, settings):
    a, _b = admins
    attempt = services.open_case(actor=a, lab=lab)
    q = lab.question("attacker-ip")
    outcomes = [
        services.submit(actor=a, attempt=attempt, question="attacker-ip", answer=_wrong(attempt))
        for _ in range(8)
    ]
    checked = [o for o in outcomes if o.verdict is not None]
    refused = [o for o in outcomes if o.verdict is None]
    assert len(checked) == min(5, q["max_attempts"])  # WRONG_PER_MINUTE
    assert refused and all(o.refused for o in refused)
    state = QuestionState.objects.get(attempt=attempt, question="attacker-ip")
    assert state.tries == len(checked) <= q["max_attempts"]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_answers_cannot_pass_the_attempt_limit(admins):
    registry.load_all()
    lab = Lab.objects.get(slug=SLUG)
    a, _b = admins
    attempt = services.open_case(actor=a, lab=lab)
    limit = lab.question("attacker-ip")["max_attempts"]
    # spread over several minutes of history so the rate limit does not decide
    barrier = threading.Barrier(8)
    errors = []

    def worker():
        try:
            barrier.wait()
            for _ in range(3):
                services.submit(
                    actor=a, attempt=attempt, question="attacker-ip", answer=_wrong(attempt)
                )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    state = QuestionState.objects.get(attempt=attempt, question="attacker-ip")
    submissions = Submission.objects.filter(attempt=attempt, question="attacker-ip").count()
    assert state.tries == submissions <= min(limit, 5)


def test_pages_never_show_answers_and_b_cannot_reach_as_evidence(lab, admins, client_as):
    a, b = admins
    ca = client_as(a, mfa=False)
    page = ca.get(reverse("labs:lab", args=[SLUG]))
    assert page.status_code == 200
    attempt = LabAttempt.objects.get(person=a)
    body = page.content.decode()
    for qid in ("attacker-ip", "compromised-account", "backdoor-account"):
        assert str(attempt.answers[qid]) not in body
    archive = zipfile.ZipFile(
        io.BytesIO(ca.get(reverse("labs:evidence_zip", args=[SLUG])).content)
    )
    log = archive.read(f"{SLUG}/auth.log").decode()
    assert attempt.answers["attacker-ip"] in log
    # B downloads B's own case, never A's: A's attacker and backdoor are not in it
    cb = client_as(b, mfa=False)
    cb.get(reverse("labs:lab", args=[SLUG]))
    other = zipfile.ZipFile(io.BytesIO(cb.get(reverse("labs:evidence_zip", args=[SLUG])).content))
    b_log = other.read(f"{SLUG}/auth.log").decode()
    assert attempt.answers["backdoor-account"] not in b_log.split("name=")[1:2][0][:40]
    # a person who may not do labs gets 404 everywhere
    clerk = client_as(make_person("Clerk", admins[0].organisation), mfa=False)
    for name, args in [("labs:lab", [SLUG]), ("labs:evidence_zip", [SLUG])]:
        assert clerk.get(reverse(name, args=args)).status_code == 404


def test_extra_fields_are_ignored_and_scoreboard_updates(
    lab, admins, client_as, django_capture_on_commit_callbacks
):
    a, b = admins
    ca = client_as(a, mfa=False)
    ca.get(reverse("labs:lab", args=[SLUG]))
    attempt = LabAttempt.objects.get(person=a)
    ca.post(
        reverse("labs:submit", args=[SLUG, "attacker-ip"]),
        {"answer": _wrong(attempt), "points": 9999, "solved": "1", "correct": "true"},
    )
    attempt.refresh_from_db()
    assert attempt.points == 0 and attempt.solved == 0
    board = ca.get(reverse("labs:scoreboard")).content.decode()  # cached now, 0 points
    assert "Adeel Admin" in board and ">10</td>" not in board
    with django_capture_on_commit_callbacks(execute=True):  # the solve's commit bumps the board
        ca.post(
            reverse("labs:submit", args=[SLUG, "attacker-ip"]),
            {"answer": attempt.answers["attacker-ip"]},
        )
    board = ca.get(reverse("labs:scoreboard")).content.decode()
    assert ">10</td>" in board
    assert "Adeel Admin" in board and "SENTINEL-LAB-B" not in board  # B is another ministry
    rows = services.board("org", a.organisation.parent.parent_id)
    assert rows[0]["points"] == lab.question("attacker-ip")["points"]
    # the standings the board reads agree with a rebuild from the attempts
    before = services.standings("org", a.organisation.parent.parent_id)
    services.rebuild_standings()
    assert services.standings("org", a.organisation.parent.parent_id) == before


def test_reviewers_see_their_reach_only(lab, admins, personas, client_as):
    a, b = admins
    services.open_case(actor=a, lab=lab)
    services.open_case(actor=b, lab=lab)
    focal_a = client_as(personas.focal_a)
    stats = focal_a.get(reverse("labs:stats", args=[SLUG])).content.decode()
    assert "Adeel Admin" in stats and "SENTINEL-LAB-B" not in stats
    assert focal_a.get(reverse("labs:timeline", args=[SLUG, b.pk])).status_code == 404
    assert focal_a.get(reverse("labs:timeline", args=[SLUG, a.pk])).status_code == 200
    pm = client_as(personas.pm)
    assert "SENTINEL-LAB-B" in pm.get(reverse("labs:stats", args=[SLUG])).content.decode()


def test_a_broken_lab_fails_loading_with_the_place(tmp_path):
    source = registry.CATALOGUE / "ssh_bruteforce" / "lab.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["questions"][3]["checker"] = "ipp"
    with pytest.raises(registry.LabDefinitionError, match=r"questions\[3\]\.checker: unknown"):
        registry.validate("ssh_bruteforce", data)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    del data["questions"][0]["prompt"]["ur"]
    with pytest.raises(registry.LabDefinitionError, match=r"questions\[0\]\.prompt\.ur"):
        registry.validate("ssh_bruteforce", data)
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "lab.yaml").write_text("slug: x\n  bad: [", encoding="utf-8")
    (folder / "generator.py").write_text("", encoding="utf-8")
    with pytest.raises(registry.LabDefinitionError, match=r"broken/lab.yaml:\d+"):
        registry.read("broken", folder)
    assert Path(registry.CATALOGUE / "ssh_bruteforce" / "generator.py").exists()


def test_api_lists_answers_and_refuses_extra_fields(lab, admins):
    from django.test import Client

    from hifazat.orgs.tokens import token_create

    a, _b = admins
    secret = token_create(actor=a, name="t", scope="write", days=1)[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    listed = api.get("/api/v1/labs").json()
    assert SLUG in [x["slug"] for x in listed]
    detail = api.get(f"/api/v1/labs/{SLUG}").json()
    attempt = LabAttempt.objects.get(person=a)
    assert attempt.answers["attacker-ip"] not in str(detail)
    url = f"/api/v1/labs/{SLUG}/questions/attacker-ip/submissions"
    wrong = api.post(
        url,
        {"answer": _wrong(attempt), "points": 500, "solved": True},
        content_type="application/json",
    ).json()
    assert wrong["correct"] is False and wrong["lab_points"] == 0
    right = api.post(
        url, {"answer": attempt.answers["attacker-ip"]}, content_type="application/json"
    ).json()
    assert right["correct"] is True and right["earned"] == 10
    board = api.get("/api/v1/labs/scoreboards/organisation").json()
    assert board[0]["points"] == 10
    reader = Client(
        HTTP_AUTHORIZATION=f"Bearer {token_create(actor=a, name='r', scope='read', days=1)[1]}"
    )
    assert reader.post(url, {"answer": "x"}, content_type="application/json").status_code == 403


def test_roles_needed_for_review(lab, orgs, client_as):
    trainer = make_person("Tahir Trainer", orgs["min_c"], role=(Role.TRAINER, None))
    make_totp(trainer)
    assert client_as(trainer).get(reverse("labs:stats", args=[SLUG])).status_code == 200
    learner = make_person("Plain Admin", orgs["dep_a"], track="it_admin")
    assert client_as(learner, mfa=False).get(reverse("labs:stats", args=[SLUG])).status_code == 404
    assert connection.vendor in ("postgresql", "sqlite")


def test_a_lab_is_linked_from_its_module_of_the_advanced_course(admins, client_as):
    from django.core.management import call_command

    from hifazat.learning.models import Course, Enrolment

    call_command("curriculum", "load", verbosity=0)
    registry.load_all()
    a, _b = admins
    course = Course.objects.get(slug="advanced")
    Enrolment.objects.create(person=a, course=course, version=course.current_version)
    page = client_as(a, mfa=False).get(reverse("learning:course", args=["advanced"]))
    body = page.content.decode()
    assert reverse("labs:lab", args=[SLUG]) in body and "Hands-on lab" in body


def test_every_lab_names_a_module_that_exists():
    """A typo in lab.yaml's ``module`` would silently drop the lab from the course page."""
    root = Path(__file__).resolve().parents[3] / "curriculum"
    modules = set()
    for module_file in root.glob("*/*/module.yaml"):
        course = module_file.parent.parent.name
        modules.add(f"{course}/{yaml.safe_load(module_file.read_text(encoding='utf-8'))['id']}")
    for name in registry.package_names():
        module = registry.read(name).definition.get("module")
        assert module in modules, f"{name}: module {module!r} is not one of the course modules"
