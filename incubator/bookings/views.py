"""Routes of the bookings area (thin: the rules are in services, access in the query helpers)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, uploads, versioning
from ..access import platform_ids_for, roles_required, upload_limit
from ..audit.services import history_of
from ..forms import ConfirmForm
from ..auth.services import find_user
from ..downloads import attachment, export_name
from ..extensions import db
from ..i18n import current_language, zone_name
from ..pages import page_of, rows_page_of
from ..platforms.models import Platform
from ..saving import RuleBroken, act, attempt, renamed_fields, save
from . import bp, exports, services
from .forms import (BlockForm, BookingForm, ChangeForm, CompanyBookingForm, DecisionForm, HoursForm, ReasonForm, ResourceFilterForm,
                    ResourceForm, TrainingForm, UseFilterForm, audience_labels, block_kind_labels, kind_labels,
                    status_labels)
from .models import BookableResource, Booking, BookingTraining

MANAGERS = ("admin", "manager")


@bp.context_processor
def labels():
    return {"kind_labels": kind_labels(), "status_labels": status_labels(), "audience_labels": audience_labels(),
            "block_kind_labels": block_kind_labels(), "booking_status_label": services.status_label,
            "as_local": services.as_local}


def _day_arg(name: str = "day", default: date | None = None) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default or clock.today()


# --- resources -------------------------------------------------------------------------------------

@bp.route("/")
@login_required
def resources():
    form = ResourceFilterForm(request.args)
    form.platform.choices = [("", _("All platforms"))] + [(p.id, p.name) for p in services.platforms_with_resources()]
    form.validate()
    sort = request.args.get("sort", "name")
    mine = request.args.get("mine") == "1" and current_user.role in MANAGERS
    query = services.resource_list_query(current_user, q=form.q.data, kind=form.kind.data or None,
                                         platform_id=form.platform.data, mine=mine, sort=sort)
    page = page_of(query)
    managed = set()
    if current_user.role in MANAGERS:
        ids = platform_ids_for(current_user)
        managed = {p.id for p in services.managed_platforms(current_user)} if ids is not None else None
    return render_template("bookings/resources.html", page=page, form=form, sort=sort, managed=managed, mine=mine)


def _resource_form(resource: BookableResource | None) -> ResourceForm:
    form = ResourceForm(obj=resource) if resource is not None else ResourceForm()
    platforms = services.managed_platforms(current_user)
    form.platform_id.choices = [(p.id, f"{p.code} · {p.name}") for p in platforms]
    if resource is not None and request.method == "GET":
        form.open_days.data = list(resource.open_days)
    if resource is None and request.method == "GET":
        form.open_days.data = ["1", "2", "3", "4", "5"]
        form.opens_at.data, form.closes_at.data = time(8, 0), time(20, 0)
        form.slot_minutes.data, form.capacity.data, form.cancel_deadline_hours.data = 60, 1, 24
        form.price_tenant.data, form.price_outsider.data = 0, 0
    platform_id = form.platform_id.data if form.platform_id.data else (platforms[0].id if platforms else None)
    kind = form.kind.data or "room"
    units = services.unit_choices(platform_id, kind, resource.space_unit_id if resource else None) \
        if platform_id else []
    form.space_unit_id.choices = [(0, _("— none (equipment) —"))] + [(u.id, u.label) for u in units]
    return form


def _save_resource_form(form: ResourceForm, resource: BookableResource | None):
    """Save the form (and its photo, checked only when the values pass) through ``saving.save``."""
    if form.platform_id.data not in {value for value, _label in form.platform_id.choices}:
        abort(404)  # a platform the user does not manage

    def change():
        values = form.values()
        errors = services.validate_resource_values(values, resource)
        if errors:
            raise RuleBroken(errors)
        photo = None
        upload = request.files.get("photo")
        if upload is not None and upload.filename:
            with renamed_fields({None: "photo"}):
                photo = uploads.store_upload(upload, kind="resource_photo", allowed=("png", "jpeg"),
                                             owner=current_user)
        return services.save_resource(resource, values, photo=photo)

    return save(form, change)


@bp.route("/resources/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
@upload_limit("UPLOAD_MAX_BYTES")
def new_resource():
    form = _resource_form(None)
    if not form.platform_id.choices:
        flash(_("You manage no platform yet, so you cannot add resources."), "warning")
        return redirect(url_for("bookings.resources"))
    if uploads.refuse_too_large(form):
        return render_template("bookings/resource_form.html", form=form, resource=None), 413
    if form.validate_on_submit() and (saved := _save_resource_form(form, None)):
        resource = saved.result
        flash(_("Resource %(name)s added.", name=resource.name), "success")
        return redirect(url_for("bookings.resource", resource_id=resource.id))
    return render_template("bookings/resource_form.html", form=form, resource=None)


@bp.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
@upload_limit("UPLOAD_MAX_BYTES")
def edit_resource(resource_id: int):
    resource = services.get_managed_resource_or_404(current_user, resource_id)
    form = _resource_form(resource)
    if uploads.refuse_too_large(form):
        return render_template("bookings/resource_form.html", form=form, resource=resource,
                               history=history_of(resource)), 413
    if form.validate_on_submit() and versioning.unchanged(form, resource) and _save_resource_form(form, resource):
        flash(_("Resource %(name)s saved.", name=resource.name), "success")
        return redirect(url_for("bookings.resource", resource_id=resource.id))
    return render_template("bookings/resource_form.html", form=form, resource=resource,
                           history=history_of(resource))


@bp.route("/units")
@roles_required(*MANAGERS)
def units():
    """The space units a resource of a kind may stand for, on a platform the user manages (JSON)."""
    platform_id = request.args.get("platform", type=int)
    if platform_id not in {p.id for p in services.managed_platforms(current_user)}:
        abort(404)
    current = None
    resource_id = request.args.get("resource", type=int)
    if resource_id:
        current = services.get_managed_resource_or_404(current_user, resource_id).space_unit_id
    kind = request.args.get("kind", "room")
    items = services.unit_choices(platform_id, kind, current) if kind in ("room", "desk") else []
    return {"units": [{"id": 0, "label": _("— none (equipment) —")}] + [{"id": u.id, "label": u.label} for u in items]}


@bp.route("/resources/<int:resource_id>/photo")
@login_required
def photo(resource_id: int):
    resource = services.get_resource_or_404(resource_id, include_retired=True)
    if resource.photo is None:
        abort(404)
    return uploads.send_stored_file(resource.photo, inline=True)


def _calendar_context(resource: BookableResource) -> dict:
    view = "week" if request.args.get("view") == "week" else "day"
    day = _day_arg()
    first = services.week_start(day) if view == "week" else day
    days = services.calendar(resource, current_user, first, 7 if view == "week" else 1)
    step = 7 if view == "week" else 1
    return {"view": view, "day": day, "first": first, "days": days, "times": services.slot_times(resource),
            "previous_day": first - timedelta(days=step), "next_day": first + timedelta(days=step),
            "manages": services.can_manage(current_user, resource)}


@bp.route("/resources/<int:resource_id>")
@login_required
def resource(resource_id: int):
    resource = services.get_resource_or_404(resource_id, include_retired=True)
    context = _calendar_context(resource)
    if resource.status == "retired" and not context["manages"]:
        abort(404)
    # A manager's free slot opens the same form with the company to book for (also without JavaScript: the
    # slot's link carries the day and times, and a company chosen before in ``company``).
    form = _company_form(resource, formdata=None) if context["manages"] else BookingForm(formdata=None)
    form.day.data = _day_arg()
    for name in ("start", "end"):
        try:
            getattr(form, name).data = time.fromisoformat(request.args.get(name, ""))
        except ValueError:
            pass
    if context["manages"]:
        form.organisation_id.data = request.args.get("company", type=int)
    return render_template("bookings/resource.html", resource=resource, form=form, **context)


def _company_form(resource: BookableResource, **kwargs) -> CompanyBookingForm:
    form = CompanyBookingForm(**kwargs)
    form.organisation_id.choices = [("", _("— choose —"))] + [
        (org.id, org.name) for org in services.bookable_companies(current_user, resource)]
    return form


@bp.route("/resources/<int:resource_id>/book-for", methods=["POST"])
@roles_required(*MANAGERS)
def book_for(resource_id: int):
    """A manager books a free slot for a company in one step (the rules and the scope in the service)."""
    resource = services.get_managed_resource_or_404(current_user, resource_id)
    form = _company_form(resource)
    if form.validate_on_submit():
        starts = services.local(form.day.data, form.start.data)
        if saved := save(form, lambda: services.book_for_company(resource, current_user, form.organisation_id.data,
                                                                 starts, _end_of(form), form.purpose.data)):
            flash(_("Booked for %(company)s: %(name)s, %(when)s.", company=saved.result.organisation.name,
                    name=resource.name, when=services.when_text(saved.result)), "success")
            return redirect(url_for("bookings.resource", resource_id=resource.id,
                                    day=form.day.data.isoformat(), company=form.organisation_id.data))
    context = _calendar_context_for(resource, form.day.data or clock.today())
    return render_template("bookings/resource.html", resource=resource, form=form, **context), 422


@bp.route("/resources/<int:resource_id>/book", methods=["POST"])
@login_required
def book(resource_id: int):
    resource = services.get_resource_or_404(resource_id)
    form = BookingForm()
    if form.validate_on_submit():
        starts = services.local(form.day.data, form.start.data)
        if saved := save(form, lambda: services.book(resource, current_user, starts, _end_of(form), form.purpose.data)):
            if saved.result.status == "pending":
                flash(_("Booked, awaiting the manager's approval."), "info")
            else:
                flash(_("Booked: %(name)s, %(when)s.", name=resource.name, when=services.when_text(saved.result)),
                      "success")
            return redirect(url_for("bookings.booking", booking_id=saved.result.id))
    context = _calendar_context_for(resource, form.day.data or clock.today())
    return render_template("bookings/resource.html", resource=resource, form=form, **context), 422


def _end_of(form) -> datetime:
    """The end moment; an end of 00:00 means midnight at the end of the day."""
    if form.end.data == time(0):
        return services.local(form.day.data + timedelta(days=1), time(0))
    return services.local(form.day.data, form.end.data)


def _calendar_context_for(resource: BookableResource, day: date) -> dict:
    days = services.calendar(resource, current_user, day, 1)
    return {"view": "day", "day": day, "first": day, "days": days, "times": services.slot_times(resource),
            "previous_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
            "manages": services.can_manage(current_user, resource)}


# --- trainings -------------------------------------------------------------------------------------

@bp.route("/resources/<int:resource_id>/trainings", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def trainings(resource_id: int):
    resource = services.get_managed_resource_or_404(current_user, resource_id)
    form = TrainingForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is None:
            form.email.errors.append(_("No user has this e-mail address; they must register first."))
        else:
            note = (form.note.data or "").strip() or None
            if save(form, lambda: services.record_training(resource, user, form.completed_on.data,
                                                           form.expires_on.data, note)):
                flash(_("Training of %(name)s recorded.", name=user.name), "success")
                return redirect(url_for("bookings.trainings", resource_id=resource.id))
    elif request.method == "GET":
        form.completed_on.data = clock.today()
    return render_template("bookings/trainings.html", resource=resource, form=form,
                           trainings=services.trainings_of(resource), confirm_form=ConfirmForm(),
                           today=clock.today())


@bp.route("/trainings/<int:training_id>/remove", methods=["POST"])
@roles_required(*MANAGERS)
def remove_training(training_id: int):
    training = db.session.get(BookingTraining, training_id) or abort(404)
    resource = services.get_managed_resource_or_404(current_user, training.resource_id)
    return act(lambda: services.remove_training(training), message=_("Training removed."), category="info",
               next_page=url_for("bookings.trainings", resource_id=resource.id))


# --- bookings --------------------------------------------------------------------------------------

@bp.route("/list")
@login_required
def bookings():
    scope = request.args.get("scope", "upcoming")
    scope = scope if scope in ("upcoming", "past", "all") else "upcoming"
    status = request.args.get("status") or None
    status = status if status in ("pending", "confirmed", "cancelled", "rejected") else None
    query = services.booking_list_query(current_user, scope=scope, status=status,
                                        resource_id=request.args.get("resource", type=int),
                                        q=request.args.get("q", "").strip() or None)
    page = page_of(query)
    return render_template("bookings/bookings.html", page=page, scope=scope, status=status)


@bp.route("/calendar.ics")
@login_required
def my_calendar():
    """The user's (or their platforms') coming bookings as an iCalendar file."""
    items = list(db.session.scalars(services.booking_list_query(current_user, scope="upcoming")
                                    .where(Booking.status.in_(("pending", "confirmed"))).limit(2000)))
    body = exports.bookings_ics(items, _("Bookings"))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": "attachment; filename=bookings.ics"})


@bp.route("/<int:booking_id>")
@login_required
def booking(booking_id: int):
    item = services.get_visible_booking_or_404(current_user, booking_id)
    own = services.is_own_booking(current_user, item)
    form = ChangeForm(formdata=None)
    start, end = services.as_local(item.starts_at), services.as_local(item.ends_at)
    form.day.data, form.start.data, form.end.data, form.purpose.data = start.date(), start.time(), end.time(), \
        item.purpose
    return _booking_page(item, own, form)


def _booking_page(item: Booking, own: bool, form, reason_form=None, status: int = 200):
    return render_template(
        "bookings/booking.html", booking=item, own=own, form=form, reason_form=reason_form or ReasonForm(formdata=None),
        decision_form=DecisionForm(formdata=None), manages=services.can_manage(current_user, item.resource),
        before_deadline=services.before_deadline(item), history=history_of(item)), status


@bp.route("/<int:booking_id>/change", methods=["POST"])
@login_required
def change(booking_id: int):
    item = services.get_visible_booking_or_404(current_user, booking_id)
    if not services.is_own_booking(current_user, item):
        abort(404)
    form = ChangeForm()
    if form.validate_on_submit():
        starts = services.local(form.day.data, form.start.data)
        if save(form, lambda: services.change_booking(item, current_user, starts, _end_of(form), form.purpose.data)):
            flash(_("Booking changed: %(when)s.", when=services.when_text(item)), "success")
            return redirect(url_for("bookings.booking", booking_id=item.id))
    item = services.get_visible_booking_or_404(current_user, booking_id)
    return _booking_page(item, True, form, status=422)


@bp.route("/<int:booking_id>/cancel", methods=["POST"])
@login_required
def cancel(booking_id: int):
    item = services.get_visible_booking_or_404(current_user, booking_id)
    own = services.is_own_booking(current_user, item)
    if not own and not services.can_manage(current_user, item.resource):
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit() and attempt(lambda: services.cancel_booking(item, current_user, form.reason.data)):
        flash(_("Booking cancelled."), "info")
    return redirect(url_for("bookings.booking", booking_id=booking_id))


@bp.route("/approvals")
@roles_required(*MANAGERS)
def approvals():
    pending = services.pending_for(current_user)
    return render_template("bookings/approvals.html", pending=pending, decision_form=DecisionForm(formdata=None))


@bp.route("/<int:booking_id>/decide", methods=["POST"])
@roles_required(*MANAGERS)
def decide(booking_id: int):
    item = services.get_visible_booking_or_404(current_user, booking_id)
    form = DecisionForm()
    if form.validate_on_submit() and attempt(lambda: services.decide(item, current_user, approve=bool(form.approve.data),
                                                                     note=form.note.data)):
        flash(_("Booking approved.") if item.status == "confirmed" else _("Booking rejected."), "info")
    return redirect(request.form.get("next") if request.form.get("next") == url_for("bookings.approvals")
                    else url_for("bookings.booking", booking_id=item.id))


# --- blocks and hours ------------------------------------------------------------------------------

def _managed_resource_choices(form_field) -> list[BookableResource]:
    items = list(db.session.scalars(services.managed_resources(current_user)
                                    .where(BookableResource.status != "retired")
                                    .join(Platform, BookableResource.platform_id == Platform.id)
                                    .order_by(Platform.code, BookableResource.name)))
    form_field.choices = [(r.id, f"{r.platform.code} · {r.name}") for r in items]
    return items


@bp.route("/blocks")
@roles_required(*MANAGERS)
def blocks():
    page = rows_page_of(services.blocks_list_query(current_user))
    return render_template("bookings/blocks.html", page=page, confirm_form=ConfirmForm())


@bp.route("/blocks/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_block():
    form = BlockForm()
    items = _managed_resource_choices(form.resources)
    plan = None
    if request.method == "GET":
        form.weekdays.data = ["1", "2", "3", "4", "5", "6", "7"]
        form.first_day.data = clock.today() + timedelta(days=1)
        form.last_day.data = form.first_day.data + timedelta(days=6)
        if request.args.get("resource", type=int) in {r.id for r in items}:
            form.resources.data = [request.args.get("resource", type=int)]
    elif form.validate_on_submit():
        chosen = [r for r in items if r.id in set(form.resources.data)]

        def plan_or_create():
            """The plan to check; once the checked plan is confirmed, also the blocks (and cancelled bookings)."""
            plan = services.plan_blocks(chosen, form.first_day.data, form.last_day.data,
                                        {int(d) for d in form.weekdays.data}, form.start_at.data, form.end_at.data)
            if form.submit.data and form.confirm.data == _plan_fingerprint(form):
                if form.cancel_clashing.data and plan.clashes:
                    if form.listed_clashes.data != _clash_list(plan):
                        raise RuleBroken({"listed_clashes": _("The clashing bookings changed since the check; "
                                                              "check the new list before confirming.")})
                    if not form.confirm_cancel.data:
                        raise RuleBroken({"confirm_cancel": _(
                            "Confirm that the %(n)d bookings listed are to be cancelled, or untick \"cancel the "
                            "clashing bookings\".", n=len(plan.clashes))})
                _series, cancelled = services.create_blocks(chosen, plan, form.kind.data, form.title.data.strip(),
                                                            form.cancel_clashing.data)
                return plan, cancelled
            return plan, None

        saved = save(form, plan_or_create, aliases=dict.fromkeys(form._fields))  # every message above the form
        plan, cancelled = saved.result if saved else (None, None)
        if cancelled is not None:
            flash(_("%(n)d blocks created; %(c)d bookings cancelled.", n=plan.count, c=len(cancelled)), "success")
            return redirect(url_for("bookings.blocks"))
        # Confirming creates exactly what was checked: changing the form after the check needs a new check.
        form.confirm.data = _plan_fingerprint(form) if plan is not None else ""
        if plan is None and form.submit.data:
            # A refused confirmation shows the plan again (the list to confirm), not the bare form.
            plan = _plan_or_none(chosen, form)
            form.confirm.data = _plan_fingerprint(form) if plan is not None else ""
        form.listed_clashes.data = _clash_list(plan) if plan is not None else ""
        form.confirm_cancel.data = False  # each check asks for the second yes again
    return render_template("bookings/block_form.html", form=form, plan=plan)


def _clash_list(plan) -> str:
    """The bookings a plan would cancel, as the confirmation carries them."""
    return ",".join(str(booking.id) for booking in plan.clashes)


def _plan_or_none(chosen, form: BlockForm):
    try:
        return services.plan_blocks(chosen, form.first_day.data, form.last_day.data,
                                    {int(d) for d in form.weekdays.data}, form.start_at.data, form.end_at.data)
    except RuleBroken:
        return None


def _plan_fingerprint(form: BlockForm) -> str:
    """A digest of what a block plan depends on (resources, dates, weekdays, times, cancel choice)."""
    import hashlib

    parts = [sorted(form.resources.data or []), form.first_day.data, form.last_day.data,
             sorted(form.weekdays.data or []), form.start_at.data, form.end_at.data, form.cancel_clashing.data]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


@bp.route("/blocks/<series>/delete", methods=["POST"])
@roles_required(*MANAGERS)
def delete_blocks(series: str):
    return act(lambda: services.delete_block_series(series, services.managed_resources(current_user)),
               message=lambda count: _("%(n)d blocks removed; their time is free again.", n=count), category="info",
               next_page=url_for("bookings.blocks"))


@bp.route("/hours", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def hours():
    form = HoursForm()
    items = _managed_resource_choices(form.resources)
    if form.validate_on_submit():
        chosen = [r for r in items if r.id in set(form.resources.data)]
        open_days = "".join(sorted(form.open_days.data or [])) or None
        if save(form, lambda: services.set_hours_bulk(chosen, opens_at=form.opens_at.data,
                                                      closes_at=form.closes_at.data, open_days=open_days,
                                                      status=form.status.data or None)):
            flash(_("Opening hours updated for %(n)d resources.", n=len(chosen)), "success")
            return redirect(url_for("bookings.resources", mine=1))
    return render_template("bookings/hours.html", form=form)


# --- use and exports -------------------------------------------------------------------------------

USE_FILE_WORDS = {"zh": "场地设备使用", "en": "bookings-use"}


@bp.route("/use")
@roles_required(*MANAGERS)
def use():
    form = UseFilterForm(request.args)
    platforms = services.managed_platforms(current_user)
    form.platform.choices = [("", _("All my platforms"))] + [(p.id, f"{p.code} · {p.name}") for p in platforms]
    form.validate()
    today = clock.today()
    first = form.first_day.data or today.replace(day=1)
    last = form.last_day.data or (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if last < first:
        form.last_day.errors = [_("The last day must not be before the first day.")]
        last = first
    platform_id = form.platform.data if form.platform.data in {p.id for p in platforms} else None
    figures = services.usage(current_user, first, last, platform_id)
    export = request.args.get("format")
    if export in ("csv", "xlsx", "ics"):
        items = services.bookings_for_export(current_user, first, last, platform_id)
        # The period, the platform (when one is chosen) and the language name the file.
        code = next((p.code for p in platforms if p.id == platform_id), None)
        parts = [f"{first.isoformat()}_{last.isoformat()}", code]
        disposition = {ext: attachment(*export_name(USE_FILE_WORDS, parts, current_language(), ext))
                       for ext in ("ics", "csv", "xlsx")}
        if export == "ics":
            return Response(exports.bookings_ics(items, _("Bookings")), mimetype="text/calendar",
                            headers={"Content-Disposition": disposition["ics"]})
        tables = exports.use_tables(figures, [b for b in items if b.status == "confirmed"])
        if export == "csv":
            return Response(exports.use_csv(tables), mimetype="text/csv",
                            headers={"Content-Disposition": disposition["csv"]})
        print_title = f"{zone_name()} · {first.isoformat()}–{last.isoformat()}" + (f" · {code}" if code else "")
        return Response(exports.use_xlsx(tables, print_title), headers={"Content-Disposition": disposition["xlsx"]},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return render_template("bookings/use.html", form=form, figures=figures, first=first, last=last,
                           platform_id=platform_id)

