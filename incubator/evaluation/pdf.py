"""The printable evaluation report and its PDF (WeasyPrint): one renderer for the page's download and for
the background job, so both give the same file. Needs an application context, not a request."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from .. import clock
from ..i18n import area_catalogue
from ..outcomes import catalogue
from .charts import achievement_chart, score_chart


def report_values(evaluation, lang: str) -> dict:
    """What ``evaluation/report.html`` shows of ``evaluation`` in ``lang``."""
    return {"period": evaluation.period, "evaluation": evaluation, "catalogue": catalogue, "lang": lang,
            "chart": achievement_chart(evaluation.zone.results, lang),
            "scores": score_chart(evaluation, lang), "zone_name": evaluation.zone_name(lang),
            "quality_count": sum(1 for _ in evaluation.iter_data_quality()),
            "printed_at": clock.now()}


def render_pdf(evaluation, lang: str) -> bytes:
    """The report of ``evaluation`` as PDF bytes, its words in ``lang`` whatever the caller's locale."""
    from weasyprint import CSS, HTML

    static = Path(current_app.static_folder)
    # A job has no request to pick the evaluation's catalogue: ask for it, or a word this area translates
    # its own way ("Code": 代码) would print as another area does.
    with force_locale(lang), area_catalogue("evaluation"):
        html = render_template("evaluation/report.html", pdf=True, **report_values(evaluation, lang))
    return HTML(string=html, base_url=str(static)).write_pdf(
        stylesheets=[CSS(filename=str(static / "css" / "report.css"))])
