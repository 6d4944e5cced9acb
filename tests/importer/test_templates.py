"""The downloadable templates speak the zone's language (issue 16): a Chinese template shows the labels the
interface shows in Chinese (众创空间, 省级, 营业收入, 否 ...), and every example it shows reads back as valid."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from incubator.importer.engine import kinds


def example_row(client, kind: str, lang: str) -> list:
    response = client.get(f"/import/templates/{kind}.xlsx?lang={lang}")
    assert response.status_code == 200
    return [cell.value for cell in load_workbook(io.BytesIO(response.data)).worksheets[0][2]]


@pytest.mark.parametrize("kind, lang, expected", [
    ("platforms", "zh", ["P001", "示例众创空间", "众创空间", "省级", None, "2023-06-30", "2026-06-29", 1200.5, 80]),
    ("platforms", "en", ["P001", "示例众创空间", "Maker space", "Provincial", None, "2023-06-30", "2026-06-29", 1200.5,
                         80]),
    ("targets", "zh", [2026, "ZONE", "营业收入", 50000]),
    ("targets", "en", [2026, "ZONE", "Operating revenue", 50000]),
    ("space_units", "zh", ["P001", "A-101", "101 办公室", "办公室", "出租空间", 45.5, 0.18, "1F", "否"]),
])
def test_a_template_shows_coded_values_as_the_interface_names_them(login_as, kind, lang, expected):
    client, _ = login_as("admin")
    assert example_row(client, kind, lang) == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_example_of_every_template_is_an_accepted_value(login_as, run_import, tmp_path, lang):
    """Whatever a template shows in a coded column is read back (the rows may still name records that do
    not exist in this database: only the coded values are judged here)."""
    client, _ = login_as("admin")
    coded = {}
    for kind in kinds():
        path = tmp_path / f"{kind.name}-{lang}.xlsx"
        path.write_bytes(client.get(f"/import/templates/{kind.name}.xlsx?lang={lang}").data)
        problems = run_import(kind.name, path, "--dry-run").problems
        coded[kind.name] = [line for line in problems if "accepted values" in line or "use one of" in line]
    assert coded == {kind.name: [] for kind in kinds()}
