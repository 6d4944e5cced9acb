"""Starting the app imports no heavy library: they are imported where they are used (issue 17, part 8)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Migrations, PDF, spreadsheets, QR codes, images and pinyin: each costs time and memory at every start.
HEAVY = ("alembic", "mako", "weasyprint", "openpyxl", "xlsxwriter", "qrcode", "PIL", "pypinyin")


def test_building_the_app_imports_no_heavy_library(tmp_path):
    probe = ("import json, sys\n"
             "from incubator import create_app\n"
             f"create_app({{'ENV_NAME': 'testing', 'SECRET_KEY': 'probe', "
             f"'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path / 'probe.sqlite3'}'}})\n"
             f"print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}} & set({list(HEAVY)!r}))))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=str(ROOT), capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "INCUBATOR_INSTANCE_PATH": str(tmp_path)}, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_migration_commands_still_load_on_demand(runner):
    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "upgrade" in result.output.split()
