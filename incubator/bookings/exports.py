"""Exports of bookings: use per resource and per company (CSV, xlsx, via the shared formula-safe helper)
and the bookings themselves as an iCalendar file (RFC 5545, written by hand)."""
from __future__ import annotations

import io
from datetime import datetime, timezone

from flask import has_request_context, request
from flask_babel import gettext as _

from .. import clock
from ..spreadsheets import Column, XlsxStreamWriter, write_csv
from .models import Booking
from .services import as_local, status_label

ICS_PRODID = "-//Incubator//Bookings//ZH"


def rate_label(rate: str) -> str:
    return _("tenant price") if rate == "tenant" else _("outsider price")


# --- spreadsheets -----------------------------------------------------------------------------------

def use_tables(use: dict, bookings: list[Booking]) -> list[tuple[str, list[Column], list[list]]]:
    """The three tables of a use export: per resource, per company, and every booking."""
    per_resource = [Column(_("Resource")), Column(_("Bookings"), "number"), Column(_("Hours"), "number", "0.00"),
                    Column(_("Amount (yuan)"), "number", "#,##0")]
    per_company = [Column(_("Company")), Column(_("Bookings"), "number"), Column(_("Hours"), "number", "0.00"),
                   Column(_("Amount (yuan)"), "number", "#,##0")]
    detail = [Column(_("Day"), "date"), Column(_("Start time")), Column(_("End time")), Column(_("Resource")),
              Column(_("Platform")), Column(_("Company")), Column(_("Booked by")), Column(_("Status")),
              Column(_("Rate")), Column(_("Amount (yuan)"), "number", "#,##0"), Column(_("Purpose"))]
    rows_detail = []
    for booking in bookings:
        start, end = as_local(booking.starts_at), as_local(booking.ends_at)
        rows_detail.append([start.date(), start.strftime("%H:%M"), end.strftime("%H:%M"), booking.resource.name,
                            booking.resource.platform.name,
                            booking.organisation.name if booking.organisation else _("Outside user"),
                            booking.user.email, str(status_label(booking.status)), rate_label(booking.rate),
                            booking.price, booking.purpose or ""])
    return [
        (_("Per resource"), per_resource,
         [[row.label, row.bookings, row.hours, row.amount] for row in use["resources"]]),
        (_("Per company"), per_company,
         [[row.label, row.bookings, row.hours, row.amount] for row in use["companies"]]),
        (_("Bookings"), detail, rows_detail),
    ]


def use_csv(tables) -> bytes:
    """One CSV with the tables one after the other, each under its title."""
    out = io.StringIO()
    first = True
    for title, columns, rows in tables:
        if not first:
            out.write("\r\n")
        write_csv(out, [title] + [""] * (len(columns) - 1), [[c.header for c in columns], *rows], bom=first)
        first = False
    return out.getvalue().encode("utf-8")


def use_xlsx(tables, print_title: str = "") -> bytes:
    """One filtered sheet per table, printing one page wide with ``print_title`` (zone, period) in its header."""
    buffer = io.BytesIO()
    writer = XlsxStreamWriter(buffer)
    for title, columns, rows in tables:
        writer.add_sheet(title, columns, rows, print_title=print_title)
    writer.close()
    return buffer.getvalue()


# --- iCalendar --------------------------------------------------------------------------------------

def ics_escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current, size = [], "", 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(moment: datetime) -> str:
    return as_local(moment).strftime("%Y%m%dT%H%M%S")


def vtimezone(tzid: str) -> list[str]:
    """A VTIMEZONE for the zone: a fixed offset (China keeps no daylight saving time)."""
    offset = clock.now().utcoffset()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    text = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return ["BEGIN:VTIMEZONE", f"TZID:{tzid}", "BEGIN:STANDARD", "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{text}", f"TZOFFSETTO:{text}", f"TZNAME:{clock.now().tzname() or text}", "END:STANDARD",
            "END:VTIMEZONE"]


def bookings_ics(bookings: list[Booking], calendar_name: str) -> bytes:
    """The bookings as VEVENTs with zone times (TZID) and UTC stamps; cancelled ones as CANCELLED."""
    tzid = clock.zone_tz().key
    host = request.host if has_request_context() else "incubator"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ICS_PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{ics_escape(calendar_name)}", f"X-WR-TIMEZONE:{tzid}", *vtimezone(tzid)]
    stamp = utc_stamp(clock.utcnow())
    for booking in bookings:
        resource = booking.resource
        summary = resource.name + (f" — {booking.organisation.name}" if booking.organisation else "")
        description = "\n".join(part for part in [booking.purpose or "", f"{booking.user.name} <{booking.user.email}>",
                                                  _("Status: %(status)s", status=status_label(booking.status))]
                                if part)
        lines += ["BEGIN:VEVENT", f"UID:booking-{booking.id}@{host}", f"DTSTAMP:{stamp}",
                  f"CREATED:{utc_stamp(booking.created_at)}",
                  f"DTSTART;TZID={tzid}:{local_stamp(booking.starts_at)}",
                  f"DTEND;TZID={tzid}:{local_stamp(booking.ends_at)}",
                  f"SUMMARY:{ics_escape(summary)}", f"DESCRIPTION:{ics_escape(description)}",
                  f"LOCATION:{ics_escape(resource.platform.name + ' · ' + resource.name)}",
                  f"STATUS:{ {'pending': 'TENTATIVE', 'confirmed': 'CONFIRMED'}.get(booking.status, 'CANCELLED') }",
                  f"SEQUENCE:{max(booking.version - 1, 0)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
