"""``flask export-evaluation``: the same exports as the evaluation page, from the command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..periods import Period, PeriodError
from . import exports, services


@click.command("export-evaluation")
@click.option("--period", "period_text", required=True, help="The quarter, e.g. 2026Q3.")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), required=True)
@click.option("--lang", type=click.Choice(("zh", "en")), default="zh", show_default=True)
@click.option("--version", "version", type=click.IntRange(min=1), default=None,
              help="A published version (default: the latest published, else the live figures).")
@click.option("--live", is_flag=True, help="Export the live figures even when a version is published.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_evaluation(period_text: str, fmt: str, lang: str, version: int | None, live: bool, out: str) -> None:
    """Export a quarter's evaluation as the CSV zip or the xlsx workbook."""
    try:
        period = Period.parse(period_text)
    except PeriodError:
        raise click.BadParameter(f"not a quarter: {period_text!r} (write it like 2026Q3)", param_hint="--period")
    if live and version is not None:
        raise click.UsageError("--version and --live exclude each other")
    try:
        evaluation = services.evaluation_for(period, version=version, live=live)
    except LookupError:
        raise click.ClickException(f"{period} has no published version {version}")
    exports.export(evaluation, fmt, out, lang)
    state = f"version {evaluation.version}" if evaluation.published else "live figures (not published)"
    click.echo(f"{period} exported ({state}) to {out}")
