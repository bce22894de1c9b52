"""Docs move with the code: every setting read from the environment is documented."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.smoke]


def test_every_environment_variable_is_in_the_readme():
    settings_src = (ROOT / "hifazat" / "settings.py").read_text()
    names = set(
        re.findall(r'env_(?:str|bool|int|list|secret)\(\s*["\']([A-Z0-9_]+)["\']', settings_src)
    )
    names |= set(
        re.findall(
            r'os\.environ\.get\(\s*"([A-Z0-9_]+)"',
            (ROOT / "hifazat" / "core" / "management" / "commands" / "serve.py").read_text(),
        )
    )
    readme = (ROOT / "README.md").read_text()
    missing = sorted(
        n
        for n in names
        if f"`{n}`" not in readme and f"`{n}_FILE`" not in readme and f" {n} " not in readme
    )
    assert len(names) > 20
    assert not missing, f"undocumented settings: {missing}"


def test_readme_names_the_demo_password_and_every_demo_account():
    from hifazat.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

    readme = (ROOT / "README.md").read_text()
    assert DEMO_PASSWORD in readme
    for account in DEMO_ACCOUNTS:
        assert account.email in readme
