"""Routes of the compliance area (thin: the rules are in services, hightech, torch and alerts)."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock, versioning
from ..access import admin_required, changeable_company_ids_for, get_visible_or_404, platform_ids_for, roles_required, scoped
from ..audit import services as audit
from ..database import wan_to_yuan, yuan_to_wan
from ..downloads import attachment, export_name
from ..extensions import db
from ..i18n import current_language
from ..organisations.models import COMPANY_KINDS, Organisation
from ..pages import list_page
from ..platforms.models import Platform
from ..saving import act, attempt, renamed_fields, save
from . import bp, hightech, services, torch
from .computations import COMPUTATIONS, Context
from .forms import (FACT_SECTIONS, AnnualFactsForm, ConfirmForm, CopyRuleSetForm, CriterionForm, RuleSetForm)
from .models import FACT_AREA_FIELDS, FACT_MONEY_FIELDS, Criterion, RuleSet

MIN_YEAR, MAX_YEAR = 2000, 2100


def _year_arg() -> int:
    """The ``year`` query argument, this year when absent or out of range."""
    year = request.args.get("year", type=int)
    return year if year and MIN_YEAR <= year <= MAX_YEAR else clock.today().year


def _platform_or_404(platform_id: int) -> Platform:
    """A platform the current user may see (404 otherwise)."""
    query = scoped(select(Platform).where(Platform.id == platform_id), platform_ids_for(current_user), Platform.id)
    return get_visible_or_404(db.session.scalar(query))


# --- recognition gaps ----------------------------------------------------------------------------------

@bp.route("/")
@roles_required("admin", "manager")
def overview():
    year = _year_arg()
    platforms, rule_sets, results = services.zone_overview(current_user, year)
    kind = request.args.get("kind", "")
    if kind in services.PLATFORM_SUBJECTS:
        platforms = [p for p in platforms if p.kind == kind]
    from ..platforms.kinds import LEVEL_LABELS, kind_of

    return render_template("compliance/overview.html", year=year, platforms=platforms, rule_sets=rule_sets,
                           results=results, kind=kind, format_value=services.format_value, COMPUTATIONS=COMPUTATIONS,
                           kind_label=lambda code: kind_of(code).label, level_labels=LEVEL_LABELS)


@bp.route("/platforms/<int:platform_id>")
@roles_required("admin", "manager")
def platform_gap(platform_id: int):
    platform = _platform_or_404(platform_id)
    year = _year_arg()
    results = services.platform_gap(platform, year)
    history = services.history(platform, services.history_years(platform))
    return render_template("compliance/platform.html", platform=platform, year=year, results=results,
                           history=history, format_value=services.format_value, COMPUTATIONS=COMPUTATIONS,
                           facts=services.facts_for(platform.id, year), assessed=platform.kind in services.PLATFORM_SUBJECTS)


@bp.route("/platforms/<int:platform_id>/facts")
@roles_required("admin", "manager")
def facts_list(platform_id: int):
    platform = _platform_or_404(platform_id)
    return render_template("compliance/facts_list.html", platform=platform, rows=services.facts_years(platform.id),
                           this_year=clock.today().year)


@bp.route("/platforms/<int:platform_id>/facts/<int:year>", methods=["GET", "POST"])
@roles_required("admin", "manager")
def facts_edit(platform_id: int, year: int):
    platform = _platform_or_404(platform_id)
    if not MIN_YEAR <= year <= clock.today().year:
        abort(404)
    facts = services.facts_for(platform.id, year)
    initial = {}
    if request.method == "GET":  # a new year starts from zeros (and the declared area), not from empty fields
        for _section, names in FACT_SECTIONS:
            for name in names:
                value = getattr(facts, name) if facts is not None else (None if name == "area_total_m2" else 0)
                if name in FACT_MONEY_FIELDS:
                    value = yuan_to_wan(value).normalize()
                elif name in FACT_AREA_FIELDS and value is not None:
                    value = Decimal(value).normalize()
                initial[name] = value
    form = AnnualFactsForm.build(data=initial) if request.method == "GET" else AnnualFactsForm.build()
    versioning.opened(form, facts)
    if form.validate_on_submit() and versioning.unchanged(form, facts):
        values = {}
        for _section, names in FACT_SECTIONS:
            for name in names:
                data = getattr(form, name).data
                values[name] = wan_to_yuan(data) if name in FACT_MONEY_FIELDS else data
        # a concurrent edit, or the same year created twice at once, is flashed: the page shows the figures now
        if attempt(lambda: services.save_facts(platform, year, values),
                   conflict=_("Someone else changed these figures meanwhile; please check them and save again.")):
            flash(_("The figures of %(year)s have been saved.", year=year), "success")
            return redirect(url_for("compliance.platform_gap", platform_id=platform.id, year=year))
        return redirect(url_for("compliance.facts_edit", platform_id=platform.id, year=year))
    return render_template("compliance/facts_form.html", platform=platform, year=year, form=form,
                           sections=FACT_SECTIONS, facts=facts,
                           history=audit.history_of(facts) if facts is not None else [])


# --- rule sets (administrators) ----------------------------------------------------------------------

@bp.route("/rule-sets")
@admin_required
def rule_sets():
    items = list(db.session.scalars(select(RuleSet).order_by(RuleSet.subject, RuleSet.code)))
    return render_template("compliance/rule_sets.html", items=items, confirm_form=ConfirmForm())


@bp.route("/rule-sets/install", methods=["POST"])
@admin_required
def install_rule_sets():
    return act(services.install_default_rule_sets,
               message=lambda added: _("%(n)s official rule sets installed.", n=added),
               next_page=url_for("compliance.rule_sets"))


def _rule_set_or_404(rule_set_id: int) -> RuleSet:
    return get_visible_or_404(db.session.get(RuleSet, rule_set_id))


@bp.route("/rule-sets/<int:rule_set_id>", methods=["GET", "POST"])
@admin_required
def rule_set(rule_set_id: int):
    item = _rule_set_or_404(rule_set_id)
    form = RuleSetForm(obj=item)
    if form.validate_on_submit() and versioning.unchanged(form, item):
        def update():
            with renamed_fields({None: "code"}):  # the service's one message is about the code
                services.update_rule_set(
                    item, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                    region=form.region.data or None, source_document=form.source_document.data,
                    effective_on=form.effective_on.data, is_active=form.is_active.data, notes=form.notes.data or None)

        if save(form, update,
                conflict=_("Someone else changed this rule set meanwhile; please check it and save again.")):
            flash(_("The rule set has been saved."), "success")
            return redirect(url_for("compliance.rule_set", rule_set_id=rule_set_id))
    return render_template("compliance/rule_set.html", item=item, form=form, confirm_form=ConfirmForm(),
                           COMPUTATIONS=COMPUTATIONS, format_value=services.format_value,
                           history=audit.history_of(item))


@bp.route("/rule-sets/<int:rule_set_id>/copy", methods=["GET", "POST"])
@admin_required
def rule_set_copy(rule_set_id: int):
    source = _rule_set_or_404(rule_set_id)
    form = CopyRuleSetForm(data=None if request.method == "POST" else {
        "code": f"{source.code}_copy", "name_zh": source.name_zh, "name_en": source.name_en,
        "source_document": source.source_document, "effective_on": source.effective_on})
    if form.validate_on_submit():
        if saved := save(form, lambda: services.copy_rule_set(
                source, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                region=form.region.data or None, source_document=form.source_document.data,
                effective_on=form.effective_on.data), aliases={None: "code"}):
            flash(_("The copy has been made; change its numbers below."), "success")
            return redirect(url_for("compliance.rule_set", rule_set_id=saved.result.id))
    return render_template("compliance/rule_set_copy.html", source=source, form=form)


def _criterion_or_404(rule_set: RuleSet, criterion_id: int) -> Criterion:
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion.rule_set_id != rule_set.id:
        abort(404)
    return criterion


@bp.route("/rule-sets/<int:rule_set_id>/criteria/new", methods=["GET", "POST"], defaults={"criterion_id": None})
@bp.route("/rule-sets/<int:rule_set_id>/criteria/<int:criterion_id>", methods=["GET", "POST"])
@admin_required
def criterion_edit(rule_set_id: int, criterion_id: int | None):
    item = _rule_set_or_404(rule_set_id)
    criterion = _criterion_or_404(item, criterion_id) if criterion_id else None
    initial = None
    if criterion is not None and request.method == "GET":
        initial = {key: getattr(criterion, key) for key in ("code", "name_zh", "name_en", "computation", "comparison",
                                                            "group_code", "sort_order")}
        initial["threshold"] = criterion.threshold.normalize()
    form = CriterionForm(item.subject, data=initial)
    if request.method == "GET" and criterion is None:
        form.sort_order.data = (max((c.sort_order for c in item.criteria), default=0) + 10)
    if form.validate_on_submit():
        values = {key: getattr(form, key).data for key in ("code", "name_zh", "name_en", "computation", "comparison",
                                                            "group_code", "sort_order", "threshold")}
        if attempt(lambda: services.save_criterion(item, criterion, values)):
            flash(_("The criterion has been saved."), "success")
            return redirect(url_for("compliance.rule_set", rule_set_id=item.id))
    return render_template("compliance/criterion_form.html", item=item, criterion=criterion, form=form,
                           COMPUTATIONS=COMPUTATIONS)


@bp.route("/rule-sets/<int:rule_set_id>/criteria/<int:criterion_id>/delete", methods=["POST"])
@admin_required
def criterion_delete(rule_set_id: int, criterion_id: int):
    item = _rule_set_or_404(rule_set_id)
    criterion = _criterion_or_404(item, criterion_id)
    return act(lambda: services.delete_criterion(criterion), message=_("The criterion has been deleted."),
               next_page=url_for("compliance.rule_set", rule_set_id=item.id))


# --- high-tech readiness --------------------------------------------------------------------------------

HIGH_TECH_FILTERS = ("candidates", "all", "recognised")


@bp.route("/high-tech")
@roles_required("admin", "manager")
def high_tech():
    show = request.args.get("show", "candidates")
    show = show if show in HIGH_TECH_FILTERS else "candidates"
    q = (request.args.get("q") or "").strip()
    items = hightech.readiness_for_user(current_user)
    if show == "candidates":
        items = hightech.candidates(items)
    elif show == "recognised":
        items = [item for item in items if item.recognised]
    if q:
        needle = q.lower()
        items = [item for item in items if needle in item.organisation.name.lower()
                 or needle in (item.organisation.credit_code or "").lower()]
    page = list_page(items)
    return render_template("compliance/high_tech.html", page=page, show=show, q=q,
                           source=hightech.HIGH_TECH_SOURCE, deduction_source=hightech.SUPER_DEDUCTION_SOURCE)


@bp.route("/companies/<int:company_id>")
@roles_required("admin", "manager", "startup")
def company(company_id: int):
    ids = changeable_company_ids_for(current_user)
    query = scoped(select(Organisation.id).where(Organisation.id == company_id,
                                                 Organisation.kind.in_(COMPANY_KINDS)), ids, Organisation.id)
    get_visible_or_404(db.session.scalar(query))
    item = hightech.readiness_for(select(Organisation.id).where(Organisation.id == company_id))[0]
    year = clock.today().year
    graduation_sets = services.active_rule_sets(["company"])
    graduation = services.evaluate(graduation_sets, Context.for_year(year, [company_id]))
    return render_template("compliance/company.html", item=item, hightech=hightech,
                           graduation=[graduation[(rs.id, company_id)] for rs in graduation_sets],
                           format_value=services.format_value, COMPUTATIONS=COMPUTATIONS)


# --- Torch statistics ----------------------------------------------------------------------------------

def _torch_year() -> int:
    year = request.args.get("year", type=int)
    last = clock.today().year - 1
    return year if year and MIN_YEAR <= year <= clock.today().year else last


@bp.route("/torch")
@roles_required("admin", "manager")
def torch_index():
    year = _torch_year()
    rows = torch.torch_rows(torch.torch_platforms(platform_ids_for(current_user)), year)
    return render_template("compliance/torch.html", year=year, rows=rows, columns=torch.TORCH_COLUMNS,
                           sections=torch.SECTIONS, lang=current_language())


TORCH_FILE_WORDS = {"zh": "火炬统计", "en": "torch-statistics"}


@bp.route("/torch/export.<fmt>")
@roles_required("admin", "manager")
def torch_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    year = _torch_year()
    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else current_language()
    platforms = torch.torch_platforms(platform_ids_for(current_user))
    one = request.args.get("platform", type=int)
    if one is not None:  # one platform's row; another's id (or a non-Torch kind) answers 404
        platforms = [p for p in platforms if p.id == one]
        if not platforms:
            abort(404)
    rows = torch.torch_rows(platforms, year)
    if fmt == "csv":
        body, mimetype = torch.torch_csv(rows, lang), "text/csv; charset=utf-8"
    else:
        body = torch.torch_xlsx(rows, lang, year)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = make_response(body)
    response.mimetype = mimetype
    name, fallback = export_name(TORCH_FILE_WORDS, [year, platforms[0].code if one is not None else None], lang, fmt)
    response.headers["Content-Disposition"] = attachment(name, fallback)
    # The export is logged even though nothing else changed.
    attempt(lambda: audit.record("torch_exported", entity_type="platforms", entity_id=year,
                                 after={"year": year, "format": fmt, "platforms": [row.platform.code for row in rows]}))
    return response


@bp.route("/torch/<int:platform_id>/print")
@roles_required("admin", "manager")
def torch_print(platform_id: int):
    platform = _platform_or_404(platform_id)
    if platform.kind not in torch.TORCH_KINDS:
        abort(404)
    year = _torch_year()
    row = torch.torch_rows([platform], year)[0]
    return render_template("compliance/torch_print.html", year=year, row=row, columns=torch.TORCH_COLUMNS,
                           sections=torch.SECTIONS, lang=current_language(), today=clock.today())
