"""The ``hifazat`` command: Django's management commands under friendlier names.

``hifazat demo``, ``hifazat demo load [--people N]``, ``hifazat demo totp EMAIL``,
``hifazat serve``, ``hifazat worker``, ``hifazat audit verify``, ``hifazat backup FILE``,
``hifazat restore FILE``, ``hifazat import-people FILE`` … and every Django command
(``hifazat migrate``, ``hifazat check --deploy``).
"""

import getpass
import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "hifazat"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
        if argv[1] == "demo":
            # The demo's accounts have a published password: they exist only in demo mode.
            os.environ.setdefault("HIFAZAT_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hifazat.settings")
    # Audit events written by commands say who ran which command on the server.
    from hifazat.audit.context import Origin, current_origin

    command = argv[1] if len(argv) > 1 else ""
    current_origin.set(
        Origin(channel="cli", user_agent=f"command line: {getpass.getuser()} ran {command}"[:200])
    )
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
