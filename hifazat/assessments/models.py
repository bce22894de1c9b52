"""Question banks, attempts and answers. Correct answers live only here, never in a page or
an API response before the attempt is submitted."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Question(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")
        ORDERING = "ordering", _("Ordering")

    version = models.ForeignKey(
        "learning.CourseVersion", on_delete=models.CASCADE, related_name="questions"
    )
    module = models.ForeignKey(
        "learning.Module", on_delete=models.CASCADE, related_name="questions"
    )
    qid = models.SlugField(max_length=64)
    language = models.CharField(max_length=8, default="en")
    type = models.CharField(max_length=16, choices=Type.choices)
    prompt = models.TextField()
    options = models.JSONField(default=list)  # [{"key": "a", "text": "…"}] in authored order
    answer = models.JSONField()  # keys of the correct options; for ordering, the keys in order
    explanation = models.TextField()

    class Meta:
        ordering = ["module", "qid"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "qid", "language"], name="question_per_language"
            )
        ]

    def __str__(self):
        return self.qid

    def is_correct(self, value) -> bool:
        if not isinstance(value, list):
            return False
        if self.type == self.Type.ORDERING:
            return [str(v) for v in value] == list(self.answer)
        return sorted(str(v) for v in value) == sorted(self.answer)


class Attempt(models.Model):
    class Kind(models.TextChoices):
        PRE = "pre", _("Pre-test")
        FINAL = "final", _("Final test")

    enrolment = models.ForeignKey(
        "learning.Enrolment", on_delete=models.CASCADE, related_name="attempts"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    number = models.PositiveSmallIntegerField()
    qids = models.JSONField()  # the questions drawn, in the order shown
    option_orders = models.JSONField(default=dict)  # qid -> option keys, shuffled for this attempt
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    seq = models.PositiveIntegerField(default=0)  # last autosave's sequence number
    submitted_at = models.DateTimeField(null=True, blank=True)
    correct = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["enrolment", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "kind", "number"], name="attempt_number")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.number} of {self.enrolment_id}"

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None and timezone.now() < self.deadline


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    qid = models.SlugField(max_length=64)
    value = models.JSONField()
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "qid"], name="one_answer_per_question")
        ]

    def __str__(self):
        return f"{self.attempt_id}/{self.qid}"
