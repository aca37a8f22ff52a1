"""MED committees: the quarterly summary page, its PDF, CSV and XLSX, from released figures
only; who may read them (the world: tests/med_world.py)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.factories import (
    sign_in,
)
from tests.helpers import page_text
from tests.med_world import (
    DIMENSIONS,
    EXPORTS,
    SUMMARY,
    da,
    expected_index,
)


def test_the_member_sees_the_quarter_built_from_released_figures(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(SUMMARY.format(id=scene.committee_id))
    assert response.status_code == 200
    text = page_text(response)
    for unit in ("area", "a", "b"):
        for dimension in DIMENSIONS:
            assert da(expected_index(unit, dimension, "Q4")) in text
    # B's hidden round stays out: Q4 is its one released round, not a mix with anything else.
    assert expected_index("b", "vertical_trust", "Q4") == 52.0
    # The area's change from the previous quarter (area vertical trust: 57.0 vs 59.9).
    change = expected_index("area", "vertical_trust", "Q4") - expected_index(
        "area", "vertical_trust", "Q3"
    )
    assert ("+" if change > 0 else "") + da(round(change, 1)) in text
    # Natholdet: the release hid every figure; the page says so and shows no number for it.
    row = re.search(r"Natholdet</th>(.*?)</tr>", response.get_data(as_text=True), re.S).group(1)
    assert not re.search(r"\d+,\d", row)
    assert "for få" in row.lower() or "too few" in row.lower()
    # The rule is written on the page, and the units that meet it are listed.
    assert "Hjemmeplejen Syd" in text.split("Needs attention")[-1] or "Hjemmeplejen Syd" in text


def test_the_committee_page_lists_its_quarters(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(f"/med/{scene.committee_id}")
    assert response.status_code == 200
    assert f"/med/{scene.committee_id}/2026-Q4" in response.get_data(as_text=True)
    assert f"/med/{scene.committee_id}/2026-Q3" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["other_member_id", "trio_id", "employee_id"])
def test_everyone_else_gets_404_for_the_page_and_every_export(client, scene, who):
    sign_in(client, getattr(scene, who))
    assert client.get(f"/med/{scene.committee_id}").status_code == 404
    for suffix in EXPORTS:
        assert client.get(SUMMARY.format(id=scene.committee_id) + suffix).status_code == 404


def test_an_administrator_may_read_the_summary(client, scene):
    sign_in(client, scene.admin_id)
    for suffix in EXPORTS:
        assert client.get(SUMMARY.format(id=scene.committee_id) + suffix).status_code == 200


def test_signed_out_and_bad_quarters_show_nothing(client, scene):
    assert client.get(SUMMARY.format(id=scene.committee_id)).status_code in (302, 401)
    sign_in(client, scene.member_id)
    assert client.get(f"/med/{scene.committee_id}/2026-Q5").status_code == 404
    assert client.get(f"/med/{scene.committee_id}/2026-Q0.csv").status_code == 404
    assert client.get("/med/99999999/2026-Q4").status_code == 404


def test_csv_has_one_row_per_unit_theme_and_quarter_and_no_hidden_figure(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(SUMMARY.format(id=scene.committee_id) + ".csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 4 * len(DIMENSIONS) * 2  # area + 3 units, 2 themes, 2 quarters
    names = {v: k for k, v in scene.units.items()}
    for row in body:
        quarter, unit_id, dimension, value = row[0], int(row[1]), row[5], row[7]
        unit = names[unit_id]
        expected = expected_index(unit, dimension, quarter[-2:])
        if expected is None:
            assert value == ""  # hidden every round: no number, and no count below k
            assert row[9] == "" and row[12] == ""
        else:
            assert float(value) == expected
    assert len(header) == len(set(header)) == len(body[0])


def test_xlsx_has_a_sheet_per_table_with_the_same_figures(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(SUMMARY.format(id=scene.committee_id) + ".xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 6
    index = book.worksheets[1]
    rows = list(index.iter_rows(values_only=True))
    assert len(rows) == 1 + 4 * len(DIMENSIONS) * 2
    names = {v: k for k, v in scene.units.items()}
    for row in rows[1:]:
        expected = expected_index(names[row[1]], row[5], row[0][-2:])
        assert row[7] == expected
    rates = list(book.worksheets[2].iter_rows(values_only=True))
    natholdet = next(r for r in rates if r[1] == "Natholdet")
    assert natholdet[2] is None and natholdet[4] is None and natholdet[5] is None


def test_the_pdf_is_a_real_pdf_in_danish_with_vector_charts(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(SUMMARY.format(id=scene.committee_id) + ".pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Område-MED Ældre" in text
    assert "Kvartalsoversigt" in text
    assert f"Side 1 af {len(reader.pages)}" in text
    assert da(expected_index("area", "vertical_trust", "Q4")) in text
    # The charts are vector paths: filled rectangles in the second page's content stream.
    content = reader.pages[1].get_contents().get_data().decode("latin-1")
    assert len(re.findall(r"\bre\b", content)) >= 8
    assert re.search(r"\bf\b", content)
    assert "/XObject" not in reader.pages[1]["/Resources"]  # no picture of a chart
