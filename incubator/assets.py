"""Front-end assets that are not Python packages, installed from the npm registry at setup (no CDN).

``python -m incubator.assets`` puts Apache ECharts under ``static/vendor/``; Bootstrap comes with
Bootstrap-Flask. Run by ``make run`` and ``make test``; does nothing when the files are there.
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
}


def install() -> int:
    missing = {spec: files for spec, files in PACKAGES.items() if not (VENDOR / files[1]).exists()}
    if not missing:
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("npm is needed to install the front-end assets (Node.js)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as build:
        subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", build, *missing],
                       check=True)
        for spec, (source, target) in missing.items():
            name = spec.rsplit("@", 1)[0]
            destination = VENDOR / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(build) / "node_modules" / name / source, destination)
            print(f"installed {spec} -> static/vendor/{target}")
    return 0


if __name__ == "__main__":
    sys.exit(install())
