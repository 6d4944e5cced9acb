"""Front-end assets that are not Python packages, installed from the npm registry at setup (no CDN).

``python -m incubator.assets`` puts Apache ECharts, Swagger UI (the API's reference page) and axe-core (the
accessibility engine the browser tests inject; no page of the app loads it) under ``static/vendor/``;
Bootstrap comes with Bootstrap-Flask. Run by ``make run`` and ``make test``; does nothing when the files are there.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
PACKAGES = {
    # npm package@version: (file inside the package, where it goes under static/vendor)
    "echarts@5.6.0": ("dist/echarts.min.js", "echarts/echarts.min.js"),
    "swagger-ui-dist@5.36.0": [("swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"),
                               ("swagger-ui.css", "swagger-ui/swagger-ui.css")],
    "axe-core@4.14.1": ("axe.min.js", "axe-core/axe.min.js"),
}


def _files(spec: str) -> list[tuple[str, str]]:
    """(file inside the package, where it goes) pairs of one package: one pair or a list of them."""
    files = PACKAGES[spec]
    return files if isinstance(files, list) else [files]


def install() -> int:
    missing = {spec: _files(spec) for spec in PACKAGES
               if not all((VENDOR / target).exists() for _source, target in _files(spec))}
    if not missing:
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("npm is needed to install the front-end assets (Node.js)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as build:
        subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", build, *missing],
                       check=True)
        for spec, files in missing.items():
            name = spec.rsplit("@", 1)[0]
            for source, target in files:
                destination = VENDOR / target
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(build) / "node_modules" / name / source, destination)
                print(f"installed {spec} -> static/vendor/{target}")
    return 0


if __name__ == "__main__":
    sys.exit(install())
