"""The printed evaluation read back as text: no status word, unit or figure is broken across lines."""
from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from incubator import formatting
from incubator.outcomes import catalogue


def pdf_text(client, lang: str) -> str:
    client.post(f"/language/{lang}")
    response = client.get("/evaluation/2026Q3/report.pdf")
    assert response.status_code == 200
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_never_breaks_a_word_or_a_unit(hand_zone, login_as, app, lang):
    client, _admin = login_as("admin")
    text = pdf_text(client, lang)
    with app.test_request_context(), force_locale(lang):
        words = [str(word) for word in formatting.STATUS_WORDS.values()]
    words += [unit.label(lang) for unit in (catalogue.WAN, catalogue.PERSONS, catalogue.INCUBATIONS)]
    # Chinese runs on without spaces, English lines end between words: with the line ends taken out, a
    # word cut at a line end is found, while the text as extracted (line by line) does not hold it.
    joined = text.replace("\n", "" if lang == "zh" else " ")
    for word in words:
        assert text.count(word) == joined.count(word) and text.count(word) > 0, word
    # Percentages print whole beside their figure: 80.0% (achievement), 75.0% (expected progress).
    assert "80.0%" in text and "75.0%" in text
