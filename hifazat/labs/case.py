"""What a lab generator returns for one learner: the evidence files and the right answers.

A generator is a function ``generate(seed: int) -> Case``. It must be deterministic (the same
seed gives byte-for-byte the same files and answers: use ``random.Random(seed)`` and never the
clock or the global ``random``), and every answer must be findable in the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Case:
    files: dict[str, str | bytes]  # evidence file name -> content (text is UTF-8 with \n)
    answers: dict[str, Any]  # question id -> what that question's checker expects
    notes: dict[str, Any] = field(default_factory=dict)  # for tests: facts behind the answers
