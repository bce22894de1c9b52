"""Demo data for hands-on labs: the lab packages loaded, and a few dozen IT administrators who
have worked the SSH lab — some finished, some stuck, some who took hints — so the scoreboards
and the review pages have something to show. Answers go through the same service as a
learner's, with times spread over the last weeks."""

from __future__ import annotations

import random
import re
from datetime import timedelta

from django.db.models import F

from hifazat.labs import registry, services
from hifazat.labs.models import (
    HintUse,
    Lab,
    LabAttempt,
    QuestionState,
    Standing,
    Submission,
)
from hifazat.orgs.models import Person

LEARNERS = 40
SEED = 20261130


def _worked_answer(attempt, question) -> str:
    """What a skilled learner writes for the SSH lab's detection and hardening questions."""
    if question["checker"] == "detection":
        return r"sshd\[\d+\]: Failed password for "
    config = services.case_of(attempt).files["sshd_config"]
    config = re.sub(r"(?m)^PermitRootLogin yes$", "PermitRootLogin no", config)
    config = re.sub(r"(?m)^PasswordAuthentication yes$", "PasswordAuthentication no", config)
    return re.sub(r"(?m)^MaxAuthTries \d+$", "MaxAuthTries 3", config)


def load_labs(stdout=None) -> int:
    registry.load_all()
    lab = Lab.objects.filter(slug="ssh-bruteforce").first()
    if lab is None or LabAttempt.objects.exists():
        return 0
    rng = random.Random(SEED)
    people = list(
        Person.objects.filter(track=Person.Track.IT_ADMIN, is_active=True)
        .exclude(email__endswith="moitt.gov.example")  # the demo accounts start fresh
        .order_by("pk")[: LEARNERS * 3]
    )
    rng.shuffle(people)
    for person in people[:LEARNERS]:
        attempt = services.open_case(actor=person, lab=lab)
        skill = rng.random()
        for q in lab.questions:
            if rng.random() > 0.35 + skill * 0.6:  # stops here for now
                break
            if rng.random() < 0.3 and q["hints"]:
                services.take_hint(actor=person, attempt=attempt, question=q["id"], index=0)
            for _ in range(rng.choice([0, 0, 1, 2])):  # a wrong answer or two first
                services.submit(actor=person, attempt=attempt, question=q["id"], answer="unsure")
            if q["checker"] in ("detection", "config"):
                if skill < 0.6:
                    continue  # those need real work; most demo learners leave them
                right = _worked_answer(attempt, q)
            else:
                right = attempt.answers[q["id"]]
            services.submit(actor=person, attempt=attempt, question=q["id"], answer=str(right))
        # move this learner's whole session back into the last three weeks, keeping its order
        shift = timedelta(days=rng.randint(1, 21), minutes=rng.randint(0, 600))
        Submission.objects.filter(attempt=attempt).update(at=F("at") - shift)
        HintUse.objects.filter(attempt=attempt).update(at=F("at") - shift)
        QuestionState.objects.filter(attempt=attempt, solved_at__isnull=False).update(
            solved_at=F("solved_at") - shift
        )
        LabAttempt.objects.filter(pk=attempt.pk).update(
            started_at=F("started_at") - shift,
            last_solved_at=F("last_solved_at") - shift,
            finished_at=F("finished_at") - shift,
        )
        Standing.objects.filter(person=person).update(last_solved_at=F("last_solved_at") - shift)
    if stdout:
        stdout.write(f"Labs: {Lab.objects.count()} loaded, {LEARNERS} demo learners at work")
    return LEARNERS
