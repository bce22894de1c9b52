"""The curriculum as shipped: complete, consistent in both languages, and every command and
configuration snippet in the advanced course checked by a real checker.

Snippet checks by fence tag (see ``curriculum/README.md``):

* ``sshd_config`` — ``sshd -t -f FILE`` with a throwaway host key (OpenSSH's own parser);
* ``nft`` — ``nft -c -f FILE`` (nftables' parser, check mode, nothing applied);
* ``nginx`` — the server blocks inside ``events {} http { … }``, ``nginx -t`` with a test
  certificate in place of the paths the lesson names;
* ``bash`` — ``bash -n``;
* ``dns``, ``sysctl``, ``auditd``, ``crontab`` — the parsers in ``hifazat.lib.configcheck``;
* ``powershell`` and ``text`` — not machine-checked (no PowerShell here).

The programs are installed by ``.ci/run``; locally a missing one is a visible skip, and with
REQUIRE_CONFIG_TOOLS=1 (CI) a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from hifazat.learning.loader import read_curriculum
from hifazat.lib import configcheck

ROOT = Path(settings.CURRICULUM_DIR)
REQUIRE_TOOLS = os.environ.get("REQUIRE_CONFIG_TOOLS") == "1"
TAGS = {
    "sshd_config",
    "nft",
    "nginx",
    "bash",
    "dns",
    "sysctl",
    "auditd",
    "crontab",
    "powershell",
    "text",
}
BASIC_TOPICS = [
    "phishing",
    "passwords",
    "messaging",
    "email",
    "browsing",
    "removable-media",
    "ransomware",
    "physical",
    "data-handling",
    "reporting",
]
ADVANCED_TOPICS = [
    "assets-patching",
    "windows-ad",
    "linux",
    "network",
    "email-auth",
    "logging",
    "incident-response",
    "backup",
    "web",
    "vuln-advisories",
]
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
ARABIC = re.compile(r"[\u0600-\u06FF]")
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def courses():
    return {c["id"]: c for c in read_curriculum(ROOT, use_database=False)}


def _lesson_files(course: str, language: str = "*") -> list[Path]:
    return sorted((ROOT / course).glob(f"*/*.{language}.md"))


# --- completeness and consistency ----------------------------------------------------------


@pytest.mark.smoke
def test_both_courses_cover_every_topic_with_enough_lessons_and_questions(courses):
    assert [m["slug"] for m in courses["basic"]["modules"]] == BASIC_TOPICS
    assert [m["slug"] for m in courses["advanced"]["modules"]] == ADVANCED_TOPICS
    assert courses["advanced"]["prerequisite"] == "basic"
    assert courses["advanced"]["audience"] == "it_admin"
    for course in (courses["basic"], courses["advanced"]):
        for module in course["modules"]:
            english = [le for le in module["lessons"] if le["language"] == "en"]
            assert 2 <= len(english) <= 4, module["slug"]
            for lesson in english:
                assert 5 <= lesson["minutes"] <= 10, lesson["path"]
                assert "## Summary" in lesson["body"], f"{lesson['path']} has no summary"
            bank = module["questions"]["en"]
            assert len(bank) >= 12, module["slug"]
            types = Counter(q["type"] for q in bank)
            assert types["true_false"] >= 2 and types["ordering"] >= 1, (module["slug"], types)
            assert types["single"] + types["multiple"] >= 8, (module["slug"], types)


@pytest.mark.smoke
def test_the_remedial_module_is_short_bilingual_and_has_a_three_question_check(courses):
    """Phishing simulation's remedial training: under five minutes, English and Urdu."""
    (module,) = courses["remedial"]["modules"]
    lessons = {le["language"]: le for le in module["lessons"]}
    assert set(lessons) == {"en", "ur"}
    assert lessons["en"]["minutes"] < 5
    assert len(lessons["en"]["body"].split()) <= 700
    assert len(module["questions"]["en"]) == len(module["questions"]["ur"]) == 3


@pytest.mark.smoke
def test_every_question_has_the_right_number_of_correct_answers(courses):
    for course in courses.values():
        for module in course["modules"]:
            for language, bank in module["questions"].items():
                for q in bank:
                    where = f"{module['slug']}/{language}/{q['qid']}"
                    keys = [o["key"] for o in q["options"]]
                    assert q["explanation"], where
                    assert set(q["answer"]) <= set(keys), where
                    if q["type"] == "single":
                        assert len(q["answer"]) == 1 and 3 <= len(keys) <= 5, where
                    elif q["type"] == "multiple":
                        assert 2 <= len(q["answer"]) < len(keys), where
                    elif q["type"] == "true_false":
                        assert len(q["answer"]) == 1 and keys == ["true", "false"], where
                    else:  # ordering: every step, each once
                        assert q["answer"] == keys and 3 <= len(keys) <= 6, where
                    texts = [o["text"].strip().lower() for o in q["options"]]
                    assert len(set(texts)) == len(texts), f"{where}: two options read the same"


@pytest.mark.smoke
def test_options_do_not_give_the_answer_away(courses):
    """No 'all of the above' and no option that is the only long one and always right."""
    for course in courses.values():
        for module in course["modules"]:
            for q in module["questions"]["en"]:
                for option in q["options"]:
                    assert "all of the above" not in option["text"].lower(), q["qid"]
                    assert "none of the above" not in option["text"].lower(), q["qid"]


@pytest.mark.smoke
def test_every_urdu_lesson_has_an_english_counterpart_and_the_reverse():
    english = {p.with_suffix("").with_suffix("") for p in _lesson_files("basic", "en")}
    urdu = {p.with_suffix("").with_suffix("") for p in _lesson_files("basic", "ur")}
    assert urdu == english, {
        "English only": sorted(str(p) for p in english - urdu),
        "Urdu only": sorted(str(p) for p in urdu - english),
    }
    for folder in sorted((ROOT / "basic").glob("[0-9][0-9]-*")):
        assert (folder / "questions.ur.yaml").exists(), folder
        module = yaml.safe_load((folder / "module.yaml").read_text())
        assert ARABIC.search(module.get("title_ur", "")), folder
        assert ARABIC.search(module.get("summary_ur", "")), folder
    course = yaml.safe_load((ROOT / "basic" / "course.yaml").read_text())
    assert ARABIC.search(course.get("title_ur", "")) and ARABIC.search(
        course.get("summary_ur", "")
    )


@pytest.mark.smoke
def test_urdu_lessons_and_questions_are_written_in_urdu(courses):
    """A translation that is really English (copied, half-done) fails: outside code and
    backticks, most letters of every Urdu lesson and question are Urdu script."""
    for module in courses["basic"]["modules"]:
        for lesson in module["lessons"]:
            if lesson["language"] != "ur":
                continue
            english = next(
                le
                for le in module["lessons"]
                if le["language"] == "en" and le["slug"] == lesson["slug"]
            )
            assert lesson["minutes"] == english["minutes"], lesson["path"]
            prose = re.sub(r"`[^`]*`", "", FENCE.sub("", lesson["body"]))
            prose = re.sub(r"\]\([^)]*\)", "]", prose)  # link targets
            arabic, latin = len(ARABIC.findall(prose)), len(LATIN.findall(prose))
            assert arabic > 4 * latin, f"{lesson['path']}: {arabic} Urdu vs {latin} Latin letters"
            assert lesson["body"].count("## ") == english["body"].count("## "), lesson["path"]
        for q in module["questions"]["ur"]:
            # an option that is one token (a web address, a file name) needs no translation
            texts = [q["prompt"], q["explanation"]] + [
                o["text"]
                for o in q["options"]
                if q["type"] != "true_false" and len(o["text"].split()) > 1
            ]
            for text in texts:
                assert ARABIC.search(text), f"{module['slug']}/{q['qid']}: {text[:60]!r}"


@pytest.mark.django_db
def test_the_whole_curriculum_loads_and_every_internal_link_resolves(client_as):
    from django.core.management import call_command

    from hifazat.learning.models import Course, Enrolment, Lesson
    from tests.factories import make_org, make_person

    call_command("curriculum", "load")
    basic, advanced = Course.objects.get(slug="basic"), Course.objects.get(slug="advanced")
    assert advanced.prerequisite == basic
    assert set(basic.current_version.languages) == {"en", "ur"}
    learner = make_person("Links Reader", make_org("LNK", "Links Ministry"), track="it_admin")
    for course in (basic, advanced):
        Enrolment.objects.create(person=learner, course=course, version=course.current_version)
    browser = client_as(learner)
    checked = 0
    for lesson in Lesson.objects.filter(language__in=["en", "ur"]):
        for href in re.findall(r'href="([^"]+)"', lesson.html):
            assert not href.startswith("lesson:"), f"{lesson}: unresolved {href}"
            if href.startswith("/"):
                assert browser.get(href).status_code == 200, f"{lesson}: {href}"
                checked += 1
            else:
                assert href.startswith(("https://", "mailto:")), f"{lesson}: {href}"
    assert checked > 0


# --- snippets in the advanced course -------------------------------------------------------


def _snippets() -> list[tuple[str, int, str, str]]:
    found = []
    for path in _lesson_files("advanced"):
        text = path.read_text()
        for m in FENCE.finditer(text):
            line = text[: m.start()].count("\n") + 2
            found.append((f"{path.relative_to(ROOT)}:{line}", line, m.group(1), m.group(2)))
    return found


def _need(program: str) -> str:
    found = shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin")
    if not found:
        if REQUIRE_TOOLS:
            pytest.fail(f"REQUIRE_CONFIG_TOOLS=1 but {program} is not installed")
        pytest.skip(f"{program} is not installed here (CI installs it)")
    return found


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kwargs)


@pytest.mark.smoke
def test_every_code_block_in_the_advanced_course_is_tagged():
    snippets = _snippets()
    assert len(snippets) >= 40
    untagged = [where for where, _, tag, _ in snippets if tag not in TAGS]
    assert not untagged, f"untagged or unknown tags: {untagged}"
    tags = Counter(tag for _, _, tag, _ in snippets)
    for tag in ("sshd_config", "nft", "nginx", "dns", "sysctl", "auditd", "bash", "powershell"):
        assert tags[tag] >= 1, f"no {tag} snippet"


def _blocks(tag: str) -> list[tuple[str, str]]:
    blocks = [(where, body) for where, _, t, body in _snippets() if t == tag]
    assert blocks, f"no {tag} blocks"
    return blocks


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("tag", "checker"),
    [
        ("dns", configcheck.check_dns_records),
        ("sysctl", configcheck.check_sysctl),
        ("auditd", configcheck.check_audit_rules),
        ("crontab", configcheck.check_crontab),
    ],
)
def test_snippets_pass_their_parser(tag, checker):
    failures = [f"{where}: {problem}" for where, body in _blocks(tag) for problem in checker(body)]
    assert not failures, "\n".join(failures)


def test_bash_snippets_parse():
    bash = _need("bash")
    failures = []
    for where, body in _blocks("bash"):
        result = _run([bash, "-n"], input=body)
        if result.returncode:
            failures.append(f"{where}: {result.stderr.strip()}")
    assert not failures, "\n".join(failures)


def test_sshd_config_snippets_pass_sshd_t(tmp_path):
    sshd = _need("sshd")
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "host")])
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd -t insists on its privilege-separation dir
    failures = []
    for i, (where, body) in enumerate(_blocks("sshd_config")):
        config = tmp_path / f"sshd_{i}.conf"
        config.write_text(body)
        result = _run([sshd, "-t", "-f", str(config), "-h", str(tmp_path / "host")])
        if result.returncode:
            failures.append(f"{where}: {result.stderr.strip()}")
    assert not failures, "\n".join(failures)


def test_nft_snippets_pass_nft_c(tmp_path):
    nft = _need("nft")
    prefix = [] if os.geteuid() == 0 else ["unshare", "-rn"]
    failures = []
    for i, (where, body) in enumerate(_blocks("nft")):
        ruleset = tmp_path / f"rules_{i}.nft"
        ruleset.write_text(body)
        result = _run([*prefix, nft, "-c", "-f", str(ruleset)])
        if result.returncode:
            failures.append(f"{where}: {result.stderr.strip()}")
    assert not failures, "\n".join(failures)


def test_nginx_snippets_pass_nginx_t(tmp_path):
    nginx = _need("nginx")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    _run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=example.gov.pk", "-keyout", str(key), "-out", str(cert)]
    )
    (tmp_path / "logs").mkdir()
    failures = []
    for i, (where, body) in enumerate(_blocks("nginx")):
        body = re.sub(r"(ssl_certificate_key\s+)[^;]+;", rf"\g<1>{key};", body)
        body = re.sub(r"(ssl_certificate\s+)[^;]+;", rf"\g<1>{cert};", body)
        body = re.sub(r"(ssl_trusted_certificate\s+)[^;]+;", rf"\g<1>{cert};", body)
        body = re.sub(r"(ssl_dhparam\s+)[^;]+;", "", body)
        config = tmp_path / f"nginx_{i}.conf"
        config.write_text(
            f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
            f"http {{\naccess_log off;\n{body}\n}}\n"
        )
        result = _run([nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(config)])
        if result.returncode:
            failures.append(f"{where}: {result.stderr.strip()}")
    assert not failures, "\n".join(failures)
