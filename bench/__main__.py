"""python -m bench [NAME …]: run the named benchmarks (all when none is named)."""

import subprocess
import sys

BENCHMARKS = {
    "import": "bench.import_people",
    "quiz": "bench.quiz",
    "dispatch": "bench.dispatch",
    "tracking": "bench.tracking",
    "results": "bench.results",
    "scoreboard": "bench.scoreboard",
    "dashboard": "bench.dashboard",
}


def main(names: list[str]) -> int:
    names = names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name in names:
        status |= subprocess.call([sys.executable, "-m", BENCHMARKS[name]])
    return status


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv[1:] if a]))
