"""Routes of the incentives area (thin: rules live in ``rules`` and ``services``)."""
from __future__ import annotations

import io
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import uploads, versioning
from ..access import action_required, upload_limit
from ..audit import services as audit
from ..forms import ConfirmForm
from ..saving import act, confirmed, save
from ..database import wan_to_yuan, yuan_to_wan
from ..downloads import export_name
from ..extensions import db
from ..i18n import current_language, zone_name
from ..organisations.models import Organisation
from ..spreadsheets import Column, XlsxStreamWriter, write_csv
from . import bp
from .forms import (ApproveForm, ClaimForm, NoteForm, PaymentForm, PolicyForm, RejectForm, category_labels,
                    kind_labels, level_labels, status_labels)
from .models import Claim, ClaimDocument, Policy
from .numerals import capital_amount
from .policy import STAFF, claim_is_visible, claims_to_decide, may_see_ledger, scoped_claims, visible_entitlements
from .rules import BASES, CONDITIONS, evaluate, rate_of
from .services import (apply_policy, approve, attach_claim_documents, budget_of, close_policy, company_ledger,
                       copy_policy, create_claim, create_claims_in_bulk, paid_by_policy_and_year,
                       rd_growth_comparison, recommend, record_payment, reject)


def policy_or_404(policy_id: int) -> Policy:
    policy = db.session.get(Policy, policy_id)
    if policy is None:
        abort(404)
    return policy


def claim_or_404(claim_id: int) -> Claim:
    claim = db.session.get(Claim, claim_id)
    if claim is None or not claim_is_visible(current_user, claim):
        abort(404)
    return claim


def labels() -> dict:
    return {"kinds": kind_labels(), "levels": {**level_labels(), **category_labels()},
            "statuses": status_labels(), "bases": {k: b.label for k, b in BASES.items()},
            "conditions": {k: c.label for k, c in CONDITIONS.items()}}


# --- policies --------------------------------------------------------------------------------------------

@bp.route("/")
@action_required("incentives.read")
def index():
    year = request.args.get("year", type=int)
    query = select(Policy).order_by(Policy.year.desc(), Policy.name)
    if year:
        query = query.where(Policy.year == year)
    policies = list(db.session.scalars(query))
    years = sorted({p.year for p in db.session.scalars(select(Policy))}, reverse=True)
    budgets = {p.id: budget_of(p) for p in policies} if current_user.role == "admin" else {}
    return render_template("incentives/index.html", policies=policies, years=years, year=year, budgets=budgets,
                           labels=labels())


def _fill_form(form: PolicyForm, policy: Policy) -> None:
    form.name.data, form.year.data, form.kind.data, form.basis.data = policy.name, policy.year, policy.kind, policy.basis
    form.reference_year.data = policy.reference_year
    form.rate.data = Decimal(policy.rate_scaled) / 10_000 if policy.rate_scaled else None
    prefix = "level_" if policy.basis == "new_recognition_level" else "talent_"
    for key, amount in (policy.fixed_amounts or {}).items():
        if hasattr(form, prefix + key):
            getattr(form, prefix + key).data = yuan_to_wan(amount)
    form.minimum_basis.data = yuan_to_wan(policy.minimum_basis)
    form.cap.data = yuan_to_wan(policy.cap) if policy.cap is not None else None
    form.budget.data = yuan_to_wan(policy.budget)
    form.conditions.data = list(policy.conditions or [])
    form.allocation.data = policy.allocation
    form.required_documents.data = policy.required_documents
    form.description.data = policy.description


def _save_from_form(form: PolicyForm, policy: Policy):
    """Save the form into ``policy``: a redirect on success, None (the form shows why) when refused."""
    if saved := save(form, lambda: apply_policy(policy, form.values())):
        flash(_("The policy has been saved."), "success")
        return redirect(url_for("incentives.policy", policy_id=saved.result.id))
    return None


@bp.route("/new", methods=["GET", "POST"])
@action_required("policy.create")
def policy_new():
    form = PolicyForm()
    if request.method == "GET":
        from .. import clock
        form.year.data = clock.today().year
        form.reference_year.data = clock.today().year - 1
        form.conditions.data = ["in_zone", "reports_complete", "no_open_returned_report"]
    if form.validate_on_submit():
        saved = _save_from_form(form, Policy(status="open"))
        if saved:
            return saved
    return render_template("incentives/policy_form.html", form=form, policy=None)


@bp.route("/<int:policy_id>/edit", methods=["GET", "POST"])
@action_required("policy.edit")
def policy_edit(policy_id: int):
    policy = policy_or_404(policy_id)
    form = PolicyForm()
    if request.method == "GET":
        _fill_form(form, policy)
    versioning.opened(form, policy)
    if form.validate_on_submit() and versioning.unchanged(form, policy):
        saved = _save_from_form(form, policy)
        if saved:
            return saved
    return render_template("incentives/policy_form.html", form=form, policy=policy)


@bp.route("/<int:policy_id>/copy", methods=["POST"])
@action_required("policy.copy")
def policy_copy(policy_id: int):
    policy = policy_or_404(policy_id)
    return act(lambda: copy_policy(policy),
               message=lambda copy: _("The policy has been copied to %(year)d; adjust it before opening claims.",
                                      year=copy.year),
               next_page=lambda copy: url_for("incentives.policy_edit", policy_id=copy.id),
               failed_page=url_for("incentives.policy", policy_id=policy.id))


@bp.route("/<int:policy_id>/close", methods=["POST"])
@action_required("policy.close")
def policy_close(policy_id: int):
    policy = policy_or_404(policy_id)
    return act(lambda: close_policy(policy), message=_("The policy is closed."),
               next_page=url_for("incentives.policy", policy_id=policy.id))


@bp.route("/<int:policy_id>")
@action_required("incentives.read")
def policy(policy_id: int):
    policy = policy_or_404(policy_id)
    evaluation = evaluate(policy)
    entitlements = visible_entitlements(evaluation, current_user)
    claims = list(db.session.scalars(scoped_claims(current_user, policy.id).order_by(Claim.id)))
    claimed_keys = set(db.session.scalars(select(Claim.beneficiary_key).where(Claim.policy_id == policy.id)))
    growth = rd_growth_comparison(policy) if current_user.role in STAFF and policy.kind == "rd_subsidy" else None
    return render_template(
        "incentives/policy.html", policy=policy, evaluation=evaluation, entitlements=entitlements, claims=claims,
        claimed_keys=claimed_keys, budget=budget_of(policy), growth=growth, labels=labels(),
        confirm_form=ConfirmForm(), basis=BASES[policy.basis],
        rate=rate_of(policy).normalize())


@bp.route("/<int:policy_id>/claims/bulk", methods=["POST"])
@action_required("claim.create_in_bulk")
def claims_bulk(policy_id: int):
    policy = policy_or_404(policy_id)
    confirmed()
    evaluation = evaluate(policy)
    allowed = {item.candidate.key for item in visible_entitlements(evaluation, current_user) if item.eligible}
    keys = [key for key in request.form.getlist("keys") if key in allowed]
    return act(lambda: create_claims_in_bulk(policy, keys, current_user),
               message=lambda created: _("%(n)d claims have been created.", n=created),
               next_page=url_for("incentives.policy", policy_id=policy.id))


@bp.route("/<int:policy_id>/claim", methods=["GET", "POST"])
@upload_limit("UPLOAD_MAX_BYTES")
@action_required("claim.create")
def claim_new(policy_id: int):
    policy = policy_or_404(policy_id)
    if not current_user.organisation_id:
        abort(404)
    evaluation = evaluate(policy)
    mine = [item for item in evaluation.entitlements if item.candidate.organisation_id == current_user.organisation_id]
    form = ClaimForm()
    form.beneficiary.choices = [(item.candidate.key, item.candidate.name) for item in mine if item.eligible]
    required = [line.strip() for line in (policy.required_documents or "").splitlines() if line.strip()]
    document_errors: dict[int, str] = {}
    if uploads.refuse_too_large(form):
        refusals = uploads.size_refusals()
        document_errors = {index: refusals[f"document_{index}"] for index in range(len(required))
                           if f"document_{index}" in refusals}
        return render_template("incentives/claim_new.html", policy=policy, form=form, mine=mine, required=required,
                               document_errors=document_errors, labels=labels()), 413
    if form.validate_on_submit():
        files = [request.files.get(f"document_{index}") for index in range(len(required))]
        for index, storage in enumerate(files):
            if storage is None or not storage.filename:
                document_errors[index] = _("Attach this document.")
        if not document_errors and (saved := save(form, lambda: _submit_claim(policy, form, evaluation, files,
                                                                                  required))):
            flash(_("Your claim has been submitted."), "success")
            return redirect(url_for("incentives.claim", claim_id=saved.result.id))
    return render_template("incentives/claim_new.html", policy=policy, form=form, mine=mine, required=required,
                           document_errors=document_errors, labels=labels())


def _submit_claim(policy, form, evaluation, files, titles) -> Claim:
    claim = create_claim(policy, form.beneficiary.data, current_user, evaluation)
    attach_claim_documents(claim, files, titles, current_user)
    return claim


# --- claims ----------------------------------------------------------------------------------------------

@bp.route("/claims/<int:claim_id>")
@action_required("incentives.read")
def claim(claim_id: int):
    claim = claim_or_404(claim_id)
    documents = list(db.session.scalars(select(ClaimDocument).where(ClaimDocument.claim_id == claim.id)))
    approve_form = ApproveForm()
    if claim.status in ("submitted", "recommended"):
        approve_form.amount.data = yuan_to_wan(claim.computed_amount)
    payment_form = PaymentForm()
    if claim.status == "approved":
        from .. import clock
        payment_form.amount.data = yuan_to_wan(claim.approved_amount)
        payment_form.paid_on.data = clock.today()
    return render_template("incentives/claim.html", claim=claim, documents=documents, labels=labels(),
                           note_form=NoteForm(), approve_form=approve_form, reject_form=RejectForm(),
                           payment_form=payment_form, budget=budget_of(claim.policy),
                           history=audit.history_of(claim), capital=capital_amount)


def _decide(claim_id: int, form_class, action):
    claim = claim_or_404(claim_id)
    form = form_class()
    return act(lambda: action(claim, form), form=form, message=_("The claim has been updated."),
               next_page=url_for("incentives.claim", claim_id=claim_id))


@bp.route("/claims/<int:claim_id>/recommend", methods=["POST"])
@action_required("claim.recommend")
def claim_recommend(claim_id: int):
    return _decide(claim_id, NoteForm, lambda claim, form: recommend(claim, current_user, form.note.data))


@bp.route("/claims/<int:claim_id>/approve", methods=["POST"])
@action_required("claim.approve")
def claim_approve(claim_id: int):
    return _decide(claim_id, ApproveForm, lambda claim, form: approve(
        claim, current_user, wan_to_yuan(form.amount.data), form.reason.data))


@bp.route("/claims/<int:claim_id>/reject", methods=["POST"])
@action_required("claim.reject")
def claim_reject(claim_id: int):
    return _decide(claim_id, RejectForm, lambda claim, form: reject(claim, current_user, form.reason.data))


@bp.route("/claims/<int:claim_id>/payment", methods=["POST"])
@action_required("claim.pay")
def claim_payment(claim_id: int):
    return _decide(claim_id, PaymentForm, lambda claim, form: record_payment(
        claim, current_user, form.paid_on.data, wan_to_yuan(form.amount.data), form.voucher_no.data))


@bp.route("/claims/<int:claim_id>/documents/<int:document_id>")
@action_required("incentives.read")
def claim_document(claim_id: int, document_id: int):
    claim = claim_or_404(claim_id)
    document = db.session.scalar(select(ClaimDocument).where(ClaimDocument.id == document_id,
                                                              ClaimDocument.claim_id == claim.id))
    if document is None:
        abort(404)
    return uploads.send_stored_file(document.stored_file)


# --- ledgers, exports, dashboard -------------------------------------------------------------------------

@bp.route("/ledger")
@action_required("ledger.own")
def my_ledger():
    if not current_user.organisation_id:
        abort(404)
    return redirect(url_for("incentives.company_ledger_view", organisation_id=current_user.organisation_id))


@bp.route("/ledger/<int:organisation_id>")
@action_required("ledger.view")
def company_ledger_view(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not may_see_ledger(current_user, organisation_id):
        abort(404)
    claims = company_ledger(organisation_id)
    years: dict[int, dict] = {}
    for item in claims:
        totals = years.setdefault(item.policy.year, {"approved": 0, "paid": 0})
        totals["approved"] += item.approved_amount or 0
        totals["paid"] += item.paid_amount or 0
    return render_template("incentives/ledger.html", organisation=organisation, claims=claims, years=years,
                           labels=labels())


def export_rows(policy: Policy):
    claims = db.session.scalars(scoped_claims(current_user, policy.id).order_by(Claim.id))
    for item in claims:
        yield [
            policy.name, policy.year, item.beneficiary_key,
            item.organisation.credit_code if item.organisation else None,
            item.organisation.name if item.organisation else None,
            yuan_to_wan(item.computed_amount), item.status,
            yuan_to_wan(item.approved_amount) if item.approved_amount is not None else None,
            yuan_to_wan(item.paid_amount) if item.paid_amount is not None else None,
            item.paid_on, item.voucher_no, item.decision_reason,
        ]


EXPORT_HEADER = ["policy", "year", "beneficiary", "credit_code", "name", "computed_wan", "status", "approved_wan",
                 "paid_wan", "paid_on", "voucher_no", "reason"]


# Sent through send_file, which adds RFC 5987 filename* for the Chinese name itself.
POLICY_FILE_WORDS = {"zh": "奖补兑现", "en": "incentive"}


@bp.route("/<int:policy_id>/export.<fmt>")
@action_required("policy.export")
def policy_export(policy_id: int, fmt: str):
    policy = policy_or_404(policy_id)
    lang = current_language()
    if fmt == "csv":
        text = io.StringIO()
        write_csv(text, EXPORT_HEADER, export_rows(policy))
        return send_file(io.BytesIO(text.getvalue().encode("utf-8")), mimetype="text/csv",
                         as_attachment=True, download_name=export_name(POLICY_FILE_WORDS, [policy.year, policy.id], lang, "csv")[0])
    if fmt == "xlsx":
        buffer = io.BytesIO()
        writer = XlsxStreamWriter(buffer)
        number = lambda header: Column(header, "number", "#,##0.0000")  # noqa: E731
        columns = [Column(_("Policy")), Column(_("Year"), "number", "0"), Column(_("Beneficiary")),
                   Column(_("Credit code")), Column(_("Name")), number(_("Computed (10,000 CNY)")), Column(_("Status")),
                   number(_("Approved (10,000 CNY)")), number(_("Paid (10,000 CNY)")), Column(_("Paid on"), "date"),
                   Column(_("Voucher number")), Column(_("Reason"))]
        writer.add_sheet(_("Claims"), columns, export_rows(policy),
                         print_title=f"{zone_name()} · {policy.name} · {policy.year}")
        writer.close()
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=export_name(POLICY_FILE_WORDS, [policy.year, policy.id], lang, "xlsx")[0],
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    abort(404)


@bp.route("/<int:policy_id>/approval-list")
@action_required("policy.approval_list")
def approval_list(policy_id: int):
    policy = policy_or_404(policy_id)
    claims = list(db.session.scalars(select(Claim).where(Claim.policy_id == policy.id,
                                                         Claim.status.in_(("approved", "paid"))).order_by(Claim.id)))
    total = sum((c.approved_amount or 0) for c in claims)
    return render_template("incentives/approval_list.html", policy=policy, claims=claims, total=total,
                           capital=capital_amount, labels=labels())


@bp.route("/dashboard")
@action_required("incentives.dashboard")
def dashboard():
    rows = paid_by_policy_and_year()
    by_year: dict[int, dict] = {}
    for row in rows:
        totals = by_year.setdefault(row.year, {"paid": 0, "beneficiaries": 0})
        totals["paid"] += int(row.paid)
        totals["beneficiaries"] += row.beneficiaries
    return render_template("incentives/dashboard.html", rows=rows, by_year=by_year, labels=labels())


def home_panel(user) -> dict:
    if user.role == "startup":
        claims = list(db.session.scalars(scoped_claims(user).order_by(Claim.id.desc()).limit(5))) \
            if user.organisation_id else []
        open_policies = list(db.session.scalars(select(Policy).where(Policy.status == "open")
                                                .order_by(Policy.year.desc(), Policy.name).limit(5)))
        return {"claims": claims, "open_policies": open_policies, "labels": labels()}
    claims = list(db.session.scalars(claims_to_decide(user).order_by(Claim.id).limit(8)))
    return {"claims": claims, "open_policies": [], "labels": labels()}
