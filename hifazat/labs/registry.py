"""Lab plugin packages: finding, validating and loading them.

A lab lives in ``hifazat/labs/catalogue/<package>/``: ``lab.yaml`` (texts, evidence list,
questions with their checkers, points, hints and explanations) and ``generator.py`` with
``generate(seed) -> Case``. ``load_all()`` checks every package completely before anything is
written — an unknown checker, a missing text, a bad option or a generator whose case lacks an
answer fails with the file and the place (``ssh_bruteforce/lab.yaml: questions[3].checker:
unknown checker 'ipp'``) — then creates or updates one ``Lab`` row per package.
See docs/labs.md for how to add a lab.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from hifazat.labs import checkers
from hifazat.labs.case import Case

CATALOGUE = Path(__file__).with_name("catalogue")
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
INPUTS = ("line", "text", "choice")
LANGUAGES = ("en", "ur")


class LabDefinitionError(ValueError):
    """A lab package that cannot be loaded; the message names the file and the place."""


@dataclass(frozen=True)
class Package:
    name: str  # the folder
    definition: dict
    digest: str

    @property
    def slug(self) -> str:
        return self.definition["slug"]

    def generate(self, seed: int) -> Case:
        return generator(self.name)(seed)


def generator(name: str):
    return importlib.import_module(f"hifazat.labs.catalogue.{name}.generator").generate


def _texts(where: str, value, *, required=LANGUAGES) -> None:
    if not isinstance(value, dict):
        raise LabDefinitionError(f"{where}: expected texts by language ({', '.join(required)})")
    for lang in required:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise LabDefinitionError(f"{where}.{lang}: missing text")


def validate(name: str, data) -> dict:
    """The definition, checked; LabDefinitionError names the first problem."""
    where = f"{name}/lab.yaml"
    if not isinstance(data, dict):
        raise LabDefinitionError(f"{where}: not a mapping")
    for key in ("slug", "title", "summary", "scenario", "evidence", "questions"):
        if key not in data:
            raise LabDefinitionError(f"{where}: '{key}' is missing")
    if not ID.match(str(data["slug"])):
        raise LabDefinitionError(f"{where}: slug: use lower-case letters, digits and hyphens")
    for key in ("title", "summary", "scenario"):
        _texts(f"{where}: {key}", data[key])
    if not isinstance(data.get("version", 1), int):
        raise LabDefinitionError(f"{where}: version: a whole number")
    evidence = data["evidence"]
    if not isinstance(evidence, list) or not evidence:
        raise LabDefinitionError(f"{where}: evidence: a list of files")
    for i, item in enumerate(evidence):
        if not isinstance(item, dict) or not re.match(r"^[\w.-]+$", str(item.get("name", ""))):
            raise LabDefinitionError(f"{where}: evidence[{i}].name: a plain file name")
        _texts(f"{where}: evidence[{i}].description", item.get("description"))
    questions = data["questions"]
    if not isinstance(questions, list) or not 6 <= len(questions) <= 12:
        raise LabDefinitionError(f"{where}: questions: 6 to 12 questions")
    seen = set()
    for i, q in enumerate(questions):
        at = f"{where}: questions[{i}]"
        if not isinstance(q, dict):
            raise LabDefinitionError(f"{at}: not a mapping")
        if not ID.match(str(q.get("id", ""))):
            raise LabDefinitionError(f"{at}.id: lower-case letters, digits and hyphens")
        if q["id"] in seen:
            raise LabDefinitionError(f"{at}.id: '{q['id']}' is used twice")
        seen.add(q["id"])
        _texts(f"{at}.prompt", q.get("prompt"))
        _texts(f"{at}.explanation", q.get("explanation"))
        kind = q.get("checker")
        if kind not in checkers.REGISTRY:
            raise LabDefinitionError(f"{at}.checker: unknown checker '{kind}'")
        q.setdefault("options", {})
        try:
            checkers.get(kind).validate(q["options"])
        except ValueError as exc:
            raise LabDefinitionError(f"{at}.options: {exc}") from None
        if not isinstance(q.get("points"), int) or q["points"] <= 0:
            raise LabDefinitionError(f"{at}.points: a positive whole number")
        q.setdefault("max_attempts", 10)
        if not isinstance(q["max_attempts"], int) or q["max_attempts"] < 1:
            raise LabDefinitionError(f"{at}.max_attempts: a positive whole number")
        q.setdefault("input", "text" if kind in ("config", "composite") else "line")
        if q["input"] not in INPUTS:
            raise LabDefinitionError(f"{at}.input: one of {', '.join(INPUTS)}")
        hints = q.setdefault("hints", [])
        if not isinstance(hints, list) or len(hints) > 3:
            raise LabDefinitionError(f"{at}.hints: at most three")
        for j, hint in enumerate(hints):
            _texts(f"{at}.hints[{j}].text", (hint or {}).get("text"))
            if not isinstance(hint.get("cost"), int) or hint["cost"] < 0:
                raise LabDefinitionError(f"{at}.hints[{j}].cost: a whole number ≥ 0")
    for key in ("module", "advisory_title"):
        if not isinstance(data.get(key, ""), str):
            raise LabDefinitionError(f"{where}: {key}: a text")
    data.setdefault("version", 1)
    data.setdefault("minutes", 45)
    return data


def _check_case(name: str, definition: dict) -> None:
    """Generate one case and check it carries every file and a usable answer to every question."""
    try:
        case = generator(name)(0)
    except Exception as exc:  # a broken generator is a broken lab
        raise LabDefinitionError(f"{name}/generator.py: generate(0) failed: {exc!r}") from None
    for item in definition["evidence"]:
        if item["name"] not in case.files:
            raise LabDefinitionError(f"{name}/generator.py: no evidence file '{item['name']}'")
    for i, q in enumerate(definition["questions"]):
        if q["id"] not in case.answers:
            raise LabDefinitionError(f"{name}/generator.py: no answer for '{q['id']}'")
        try:
            checkers.get(q["checker"]).validate_expected(case.answers[q["id"]], q["options"])
        except ValueError as exc:
            raise LabDefinitionError(
                f"{name}/generator.py: answer to questions[{i}] ('{q['id']}'): {exc}"
            ) from None


def read(name: str, folder: Path | None = None) -> Package:
    folder = folder or CATALOGUE / name
    source = folder / "lab.yaml"
    if not source.exists():
        raise LabDefinitionError(f"{name}/lab.yaml: not found")
    if not (folder / "generator.py").exists():
        raise LabDefinitionError(f"{name}/generator.py: not found")
    text = source.read_bytes()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise LabDefinitionError(
            f"{name}/lab.yaml{line}: {getattr(exc, 'problem', exc)}"
        ) from None
    definition = validate(name, data)
    _check_case(name, definition)
    digest = hashlib.sha256(text + (folder / "generator.py").read_bytes()).hexdigest()
    return Package(name=name, definition=definition, digest=digest)


def package_names() -> list[str]:
    return sorted(p.name for p in CATALOGUE.iterdir() if p.is_dir() and (p / "lab.yaml").exists())


@lru_cache(maxsize=16)
def package(slug: str) -> Package:
    for name in package_names():
        pkg = read(name)
        if pkg.slug == slug:
            return pkg
    raise LabDefinitionError(f"no lab package has slug '{slug}'")


def load_all() -> list[tuple[str, str]]:
    """Check every package, then create or update their Lab rows. Returns (slug, outcome)."""
    from hifazat.labs.models import Lab

    packages = [read(name) for name in package_names()]  # everything checked first
    slugs = [p.slug for p in packages]
    if len(set(slugs)) != len(slugs):
        raise LabDefinitionError(f"two lab packages share a slug: {sorted(slugs)}")
    done = []
    with transaction.atomic():
        for pkg in packages:
            lab = Lab.objects.filter(slug=pkg.slug).first()
            if lab is None:
                Lab.objects.create(
                    slug=pkg.slug,
                    title=pkg.definition["title"],
                    module=pkg.definition.get("module", ""),
                    advisory_title=pkg.definition.get("advisory_title", ""),
                    version=pkg.definition["version"],
                    definition=pkg.definition,
                    digest=pkg.digest,
                )
                done.append((pkg.slug, "new"))
            elif lab.digest != pkg.digest:
                lab.definition, lab.digest = pkg.definition, pkg.digest
                lab.title = pkg.definition["title"]
                lab.module = pkg.definition.get("module", "")
                lab.advisory_title = pkg.definition.get("advisory_title", "")
                lab.version = pkg.definition["version"]
                lab.save()
                done.append((pkg.slug, "updated"))
            else:
                done.append((pkg.slug, "unchanged"))
    package.cache_clear()
    return done


def seed_for(lab_slug: str, person_id: int) -> int:
    """The learner's case: the same person always gets the same one, and nobody can work out
    another person's without the server's secret."""
    key = settings.SECRET_KEY.encode()
    mac = hmac.new(key, f"hifazat-lab:{lab_slug}:{person_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(mac[:7], "big")
