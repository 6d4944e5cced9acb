"""Form fields shared by every area: amounts in 万元 kept exact, whole counts, lenient number input."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask import Request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from wtforms import Field, StringField
from wtforms.validators import DataRequired, InputRequired, StopValidation, ValidationError


# C0 control characters and DEL, except tab, line feed and carriage return: never meant as text, and NUL
# cannot be stored in PostgreSQL at all (psycopg refuses it).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """``text`` without C0 control characters (NUL, ESC, ...) apart from tab and line breaks."""
    return CONTROL_CHARACTERS.sub("", text) if CONTROL_CHARACTERS.search(text) else text


def _control_free(value):
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, (list, tuple)):
        return [_control_free(item) for item in value]
    return value  # a FileStorage: the upload helper deals with its name and content


class ControlFreeMultiDict(ImmutableMultiDict):
    """Query and form parameters with C0 controls removed from every text key and value."""

    def __init__(self, mapping=None):
        if mapping is not None:
            if isinstance(mapping, MultiDict):  # keep repeated keys
                items = mapping.items(multi=True)
            elif hasattr(mapping, "items"):
                items = mapping.items()
            else:
                items = mapping
            mapping = [(_control_free(key), _control_free(value)) for key, value in items]
        super().__init__(mapping)


class ControlFreeRequest(Request):
    """The app's request class: every form field and query parameter arrives without control characters,
    so no view, form or query can send NUL to the database or ESC to a log, whatever the form."""

    parameter_storage_class = ControlFreeMultiDict


# A number as people type it: digits with an optional decimal part; commas only between groups of three
# digits (``1,234.5``). ``12,5`` (a decimal comma?) and exponents (``1e5``) are refused, never guessed.
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_EXPONENT_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+$")


class NumberTextError(ValueError):
    """Text that is not a number as the zone writes one; ``message`` says why (translatable)."""

    def __init__(self, message=None):
        self.generic = message is None  # not a number at all (callers may say it their own way)
        self.message = _l("Enter a number, for example 1,234.5.") if message is None else message
        super().__init__(str(self.message))


def normalise_number_text(text: str) -> str:
    """Full-width digits and signs to ASCII, surrounding and inner spaces removed (commas kept)."""
    value = unicodedata.normalize("NFKC", str(text)).strip()
    return value.replace(" ", "").replace("\u00a0", "")


def clean_number_text(text: str) -> str:
    """The plain decimal text of a typed number (thousands separators removed), or ``NumberTextError``."""
    value = normalise_number_text(text)
    if _PLAIN_NUMBER.match(value):
        return value
    if _GROUPED_NUMBER.match(value):
        return value.replace(",", "")
    if "," in value and re.fullmatch(r"[+-]?[\d,]*\.?\d*", value) and re.search(r"\d", value):
        raise NumberTextError(_l("Commas may only separate groups of three digits, as in 1,234.5."))
    if _EXPONENT_NUMBER.match(value.replace(",", "")):
        raise NumberTextError(_l("Write the number in full, without an exponent (not 1e5 but 100000)."))
    raise NumberTextError()


def parse_decimal(text: str) -> Decimal:
    """A typed number as an exact Decimal; ``NumberTextError`` (a ``ValueError``) says what is wrong."""
    value = clean_number_text(text)
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the patterns admit only valid numbers
        raise NumberTextError() from None


def _required_means_present(validators):
    """For numbers, "required" means "given": DataRequired would refuse 0 and wipe the parse error."""
    return [InputRequired(message=v.message) if isinstance(v, DataRequired) else v for v in (validators or [])]


class NumberTextField(StringField):
    """A number typed as text: a parse error stops validation there, with its own message."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, _required_means_present(validators), **kwargs)

    generic_message = _l("Enter a number, for example 12.5.")  # a text that is no number at all

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the message is already in process_errors

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0] if valuelist else ""
        self.data = None  # until the text parses and passes the field's rules; a blank cell stays None
        if not valuelist or not str(valuelist[0]).strip():
            return
        try:
            number = parse_decimal(valuelist[0])
        except NumberTextError as error:
            raise ValueError(self.generic_message if error.generic else error.message) from None
        self.data = self.checked(number)

    def checked(self, number: Decimal):
        """The field's value of a parsed number; ``ValueError`` with the message when a rule refuses it."""
        return number


class WanField(NumberTextField):
    """An amount in 万元: ≥ 0, at most 4 decimal places, exact (``data`` is a Decimal or None).

    Accepts ``1,234.5`` and full-width digits (not ``12,5`` nor ``1e5``); what the user typed is shown back
    when it is wrong.
    """

    def __init__(self, label=None, validators=None, places: int = 4, allow_negative: bool = False,
                 maximum: Decimal = Decimal("100000000"), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.allow_negative = allow_negative
        self.maximum = maximum

    def checked(self, number: Decimal) -> Decimal:
        if number < 0 and not self.allow_negative:
            raise ValueError(_l("The amount may not be negative."))
        if -number.as_tuple().exponent > self.places and number != number.quantize(Decimal(1).scaleb(-self.places)):
            raise ValueError(_l("Use at most %(n)d decimal places.", n=self.places))
        if abs(number) > self.maximum:
            raise ValueError(_l("The amount is too large."))
        return number

    def _value(self):
        if getattr(self, "raw_text", None) is not None and self.data is None:
            return self.raw_text
        if self.data is None:
            return ""
        return format(self.data.normalize(), "f") if isinstance(self.data, Decimal) else str(self.data)


class CountField(NumberTextField):
    """A whole number ≥ 0 (persons, items); full-width digits accepted."""

    def __init__(self, label=None, validators=None, maximum: int = 10_000_000, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.maximum = maximum

    generic_message = _l("Enter a whole number.")

    def checked(self, number: Decimal) -> int:
        if number != number.to_integral_value():
            raise ValueError(_l("Enter a whole number."))
        if number < 0:
            raise ValueError(_l("The number may not be negative."))
        if number > self.maximum:
            raise ValueError(_l("The number is too large."))
        return int(number)

    def _value(self):
        if getattr(self, "raw_text", None) is not None and self.data is None:
            return self.raw_text
        return "" if self.data is None else str(self.data)


# WTForms' own message for a missing value, translated by WTForms' catalogue (as DataRequired's is): one
# wording for every required field in each language. A constant, so that it is not extracted into ours.
REQUIRED_MESSAGE = "This field is required."


class required_if_empty:  # noqa: N801 - used like the function it replaces, beside WTForms' validators
    """A validator for optional number fields that must nevertheless be present. It flags the field required,
    as DataRequired does, so that the form marks it (the label's ``required`` class); its message is WTForms'
    own wording, so that every required field says the same in each language."""

    field_flags = {"required": True}

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field: Field):
        if field.data is None and not field.errors:
            raise ValidationError(self.message or field.gettext(REQUIRED_MESSAGE))
