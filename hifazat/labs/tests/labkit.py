"""What every lab package's test needs: its definition, one question, a cached case, a check
through the question's own checker, and every text of the definition (to show that none of it
gives an answer away)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache

import yaml

from hifazat.labs import checkers, registry


def bind(package: str, generate: Callable):
    """(definition, question, case, check) for the lab package ``package``."""

    @cache
    def definition() -> dict:
        return yaml.safe_load((registry.CATALOGUE / package / "lab.yaml").read_text("utf-8"))

    def question(qid: str) -> dict:
        return next(q for q in definition()["questions"] if q["id"] == qid)

    @cache
    def case(seed: int):
        return generate(seed)

    def check(qid: str, expected, submitted: str) -> checkers.Verdict:
        q = question(qid)
        return checkers.check(q["checker"], expected, submitted, q["options"])

    return definition, question, case, check


def texts(node) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value)
