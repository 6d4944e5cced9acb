"""Run every benchmark module of this folder in turn (``make bench``)."""
import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    for module in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
        if module in ("run",) or module.startswith("_"):
            continue
        print(f"== bench.{module} ==", flush=True)
        importlib.import_module(f"bench.{module}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
