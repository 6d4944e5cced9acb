"""Forms of the bookings area: resources, bookings, trainings, blocks, opening hours and use filters."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, HiddenField, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..versioning import VersionedForm
from ..fields import CountField, required_if_empty


WEEKDAYS = [("1", _l("Mon")), ("2", _l("Tue")), ("3", _l("Wed")), ("4", _l("Thu")), ("5", _l("Fri")),
            ("6", _l("Sat")), ("7", _l("Sun"))]
SLOT_LENGTHS = [15, 30, 45, 60, 90, 120, 180, 240]


def kind_labels():
    return {"room": _l("Room"), "desk": _l("Desk"), "equipment": _l("Equipment")}


def status_labels():
    return {"available": _l("Available"), "maintenance": _l("Under maintenance"), "retired": _l("Retired")}


def audience_labels():
    return {"tenants": _l("Tenants of this platform during their tenancy"),
            "zone": _l("Any company of the zone"),
            "public": _l("Also registered outside users (outsider price)")}


def block_kind_labels():
    return {"maintenance": _l("Maintenance"), "course": _l("Course or event"), "closed": _l("Closed")}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ResourceForm(VersionedForm, FlaskForm):
    platform_id = SelectField(_l("Platform"), coerce=int, validators=[InputRequired()])
    kind = SelectField(_l("Kind"), choices=lambda: list(kind_labels().items()))
    space_unit_id = SelectField(_l("Space unit"), coerce=int, validate_choice=False,
                                description=_l("Rooms and desks are the platform's own space units; "
                                               "equipment has none."))
    name = StringField(_l("Resource name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    capacity = CountField(_l("Capacity (persons)"), validators=[required_if_empty()], maximum=10_000)
    status = SelectField(_l("Status"), choices=lambda: list(status_labels().items()))
    opens_at = TimeField(_l("Opens at"), validators=[InputRequired()])
    closes_at = TimeField(_l("Closes at"), validators=[InputRequired()])
    open_days = MultiCheckboxField(_l("Open on"), choices=WEEKDAYS)
    slot_minutes = SelectField(_l("Slot length"), coerce=int,
                               choices=[(m, _l("%(n)d minutes", n=m)) for m in SLOT_LENGTHS])
    price_tenant = CountField(_l("Price per hour for tenants and zone companies (yuan)"),
                              validators=[required_if_empty()], maximum=1_000_000,
                              description=_l("Whole yuan (元, not 万元) per hour; 0 for free use."))
    price_outsider = CountField(_l("Price per hour for outside users (yuan)"),
                                validators=[required_if_empty()], maximum=1_000_000,
                                description=_l("Whole yuan (元, not 万元) per hour; 0 for free use."))
    audience = SelectField(_l("Who may book"), choices=lambda: list(audience_labels().items()))
    max_hours_per_day = CountField(_l("At most hours per day per company"), maximum=24,
                                   description=_l("Leave empty for no limit."))
    max_hours_per_week = CountField(_l("At most hours per week per company"), maximum=168,
                                    description=_l("Leave empty for no limit."))
    cancel_deadline_hours = CountField(_l("Cancellation deadline (hours before start)"),
                                       validators=[required_if_empty()], maximum=24 * 60)
    requires_approval = BooleanField(_l("Bookings need a manager's approval"))
    requires_training = BooleanField(_l("Only users trained on it may book"))
    photo = FileField(_l("Photo (PNG or JPEG)"))
    submit = SubmitField(_l("Save"))

    def validate_open_days(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one opening day."))

    def values(self) -> dict:
        return {
            "platform_id": self.platform_id.data, "kind": self.kind.data,
            "space_unit_id": self.space_unit_id.data or None, "name": self.name.data.strip(),
            "description": (self.description.data or "").strip() or None, "capacity": self.capacity.data,
            "status": self.status.data, "opens_at": self.opens_at.data, "closes_at": self.closes_at.data,
            "open_days": "".join(sorted(self.open_days.data or [])), "slot_minutes": self.slot_minutes.data,
            "price_tenant": self.price_tenant.data, "price_outsider": self.price_outsider.data,
            "audience": self.audience.data, "max_hours_per_day": self.max_hours_per_day.data,
            "max_hours_per_week": self.max_hours_per_week.data,
            "cancel_deadline_hours": self.cancel_deadline_hours.data,
            "requires_approval": self.requires_approval.data, "requires_training": self.requires_training.data,
        }

    def validate_capacity(self, field):
        if field.data is not None and field.data < 1:
            raise ValidationError(_l("At least one person."))


class BookingForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(message=_l("Choose a day."))])
    start = TimeField(_l("Start time"), validators=[InputRequired(message=_l("Choose a start time."))])
    end = TimeField(_l("End time"), validators=[InputRequired(message=_l("Choose an end time."))])
    purpose = StringField(_l("Purpose"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Book"))


class CompanyBookingForm(BookingForm):
    """A manager's booking for a company: the slot as a founder books it, plus the company it is for."""

    organisation_id = SelectField(_l("Company"), validate_choice=False,
                                  coerce=lambda value: int(value) if str(value or "").isdigit() else None,
                                  validators=[DataRequired(message=_l("Choose a company."))])
    submit = SubmitField(_l("Book for the company"))


class ChangeForm(BookingForm):
    submit = SubmitField(_l("Change booking"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Confirm"))


class DecisionForm(FlaskForm):
    note = StringField(_l("Note to the booker"), validators=[Optional(), Length(max=500)])
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject booking"))


class TrainingForm(FlaskForm):
    email = StringField(_l("E-mail of the trained user"), validators=[DataRequired(), Email(), Length(max=254)])
    completed_on = DateField(_l("Completed on"), validators=[InputRequired(message=_l("Give the date."))])
    expires_on = DateField(_l("Valid until"), validators=[Optional()],
                           description=_l("Leave empty if the training does not expire."))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Record training"))


class BlockForm(FlaskForm):
    resources = MultiCheckboxField(_l("Resources"), coerce=int,
                                   validators=[DataRequired(message=_l("Choose at least one resource."))])
    kind = SelectField(_l("Kind"), choices=lambda: list(block_kind_labels().items()))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)],
                        description=_l("Shown in the calendar and told to bookers whose bookings are cancelled."))
    first_day = DateField(_l("From"), validators=[InputRequired(message=_l("Choose a day."))])
    last_day = DateField(_l("Until"), validators=[InputRequired(message=_l("Choose a day."))])
    weekdays = MultiCheckboxField(_l("On"), choices=WEEKDAYS,
                                  validators=[DataRequired(message=_l("Choose at least one weekday."))])
    start_at = TimeField(_l("From time"), validators=[Optional()],
                         description=_l("Leave both times empty to block whole days."))
    end_at = TimeField(_l("Until time"), validators=[Optional()])
    # Unticked by default: others' bookings are cancelled only when the manager asks for it and then confirms
    # the plan that lists them (the fingerprint of the plan includes this choice).
    cancel_clashing = BooleanField(_l("Cancel the clashing bookings (their bookers are told)"), default=False)
    confirm = HiddenField()
    # The second, explicit yes to cancelling others' bookings: shown beside the list of what will be cancelled,
    # and bound to that list (``listed_clashes``) so that a booking made after the check is never cancelled
    # without being shown first.
    confirm_cancel = BooleanField(_l("Yes, cancel the bookings listed above and tell their bookers"), default=False)
    listed_clashes = HiddenField()
    preview = SubmitField(_l("Check for clashes"))
    submit = SubmitField(_l("Create the blocks"))


class HoursForm(FlaskForm):
    resources = MultiCheckboxField(_l("Resources"), coerce=int,
                                   validators=[DataRequired(message=_l("Choose at least one resource."))])
    opens_at = TimeField(_l("Opens at"), validators=[Optional()])
    closes_at = TimeField(_l("Closes at"), validators=[Optional()])
    open_days = MultiCheckboxField(_l("Open on"), choices=WEEKDAYS)
    status = SelectField(_l("Status"), default="",
                         choices=lambda: [("", _l("Unchanged"))] + list(status_labels().items()))
    submit = SubmitField(_l("Apply to the chosen resources"))

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not (self.opens_at.data or self.closes_at.data or self.open_days.data or self.status.data):
            self.status.errors.append(_l("Change at least one of hours, days or status."))
            return False
        return True


class UseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    first_day = DateField(_l("From"), validators=[Optional()])
    last_day = DateField(_l("Until"), validators=[Optional()])
    platform = SelectField(_l("Platform"), coerce=lambda v: int(v) if v else None, validate_choice=False)


class ResourceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), validators=[Optional()],
                       choices=lambda: [("", _l("All kinds"))] + list(kind_labels().items()))
    platform = SelectField(_l("Platform"), validators=[Optional()], validate_choice=False,
                           coerce=lambda value: int(value) if str(value or "").isdigit() else None)


