"""Start-up cost: ``flask --app wsgi --help`` and a first request in a fresh process, beside the baseline of
``python -c "import flask, sqlalchemy"``, measured in the same run (so a busy machine slows all three alike).

Each command runs once to warm the byte-code cache (with bytecode writing allowed even where the shell
sets PYTHONDONTWRITEBYTECODE, as a deployed app has its .pyc files), then ``--runs`` times; the median wall
time and the median peak resident memory (``os.wait4``: the child's own) are printed. The first request is
``GET /healthz`` on an already migrated SQLite file in a temporary instance folder, the database opened.

Goal (issue 17): each at most 2.8 × the baseline's time and under 80 MB. Run with
``.venv/bin/python -m bench.start`` (``--runs N``).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 2.8
GOAL_MB = 80
FIRST_REQUEST = ("from wsgi import app\n"
                 "response = app.test_client().get('/healthz')\n"
                 "assert response.status_code == 200, response.status_code\n")


def flask_command() -> list[str]:
    return [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "--help"]


def measure(command: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one run of ``command`` (its output discarded)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports kilobytes


def median_of(command: list[str], env: dict, runs: int) -> tuple[float, float]:
    measure(command, env)  # warm-up: byte code written, files in the page cache
    samples = [measure(command, env) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def migrated_instance(folder: Path, env: dict) -> None:
    subprocess.run([*flask_command()[:3], "db", "upgrade", "heads"], cwd=str(ROOT), env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="start-bench-") as tmp:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env.update({"INCUBATOR_INSTANCE_PATH": tmp, "PYTHONPATH": str(ROOT)})
        migrated_instance(Path(tmp), env)
        commands = {
            "baseline: import flask, sqlalchemy": [sys.executable, "-c", "import flask, sqlalchemy"],
            "flask --app wsgi --help": flask_command(),
            "first request (GET /healthz)": [sys.executable, "-c", FIRST_REQUEST],
        }
        results = {name: median_of(command, env, args.runs) for name, command in commands.items()}
    base_seconds = results["baseline: import flask, sqlalchemy"][0]
    met = True
    for name, (seconds, megabytes) in results.items():
        ratio = seconds / base_seconds
        line = f"{name:<38} {seconds:6.3f} s  {ratio:4.2f}×  {megabytes:6.1f} MB"
        if not name.startswith("baseline"):
            ok = ratio <= GOAL_RATIO and megabytes < GOAL_MB
            met = met and ok
            line += "  ok" if ok else "  over the goal"
        print(line, flush=True)
    print(f"goal: at most {GOAL_RATIO}× the baseline's time and under {GOAL_MB} MB "
          f"({'met' if met else 'not met'}; median of {args.runs} runs, load average "
          f"{os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
