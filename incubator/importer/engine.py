"""The import engine: one registry of kinds, two streaming passes, bulk upserts, bulk audit events.

Pass 1 reads every row, parses and checks it and spills the valid records to a temporary file, so memory
holds only the keys seen (for duplicates) and the problems found. Nothing is written before the whole
file is checked. Pass 2 reads the spilled records back in chunks: one query loads the stored records of
a chunk by their natural key, then new records are inserted and changed ones updated in bulk, with one
bulk insert of audit events per chunk. Everything happens in the caller's transaction (it commits).

A kind is one ``Kind`` subclass registered with ``@register``: its columns (key, Chinese name, parser,
required, default), its natural key, the model columns it compares and writes, and how a row becomes a
record (references resolved, rules checked).
"""
from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update

from .. import clock
from ..audit.services import record_many
from ..extensions import db
from ..periods import Period
from .reading import FileUnreadable, WorkbookTooLarge, open_table
from .values import FORMULA_WITHOUT_VALUE, CellError, current_period, is_blank

CHUNK_SIZE = 5000


# --- columns and kinds ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a kind: its key (English), its Chinese header, how a cell is read."""

    key: str
    zh: str
    parse: Callable[[Any], Any]
    required: bool = False
    default: Any = None  # the value of a blank optional cell (0 for numbers, None for dates and texts)
    example: Any = ""
    note: Any = ""  # what the column holds, for the downloadable template (a lazy string)


class Kind:
    """A kind of record that can be imported. Subclasses fill in the class attributes and methods."""

    name: str = ""
    label = ""
    sheet_zh: str = ""
    model = None
    columns: tuple[Column, ...] = ()
    key: tuple[str, ...] = ()  # file columns that identify a row
    db_key: tuple[str, ...] = ()  # model columns that identify the stored record
    fields: tuple[str, ...] = ()  # model columns compared with the stored record and written
    extra_fields: tuple[str, ...] = ()  # model columns ``update_values`` sets
    # A many-to-many link kept with the record: (association table, owner column, target column, the
    # record's field holding a frozenset of target ids), e.g. the space units of a tenancy.
    links: tuple | None = None
    managers_may_import = False
    order = 100

    @cached_property
    def table(self):
        return self.model.__table__

    @cached_property
    def by_header(self) -> dict[str, Column]:
        lookup = {}
        for column in self.columns:
            lookup[column.key.lower()] = column
            lookup[column.zh.strip().lower()] = column
        return lookup

    def unusable_reason(self, ctx: "ImportContext"):
        """Why nothing of this kind can be imported into this database yet (a lazy message), or None."""
        return None

    def check(self, values: dict, ctx: "ImportContext", report: Callable[[str, Any], None]) -> None:
        """Rules across cells and references; ``values`` holds only the cells that parsed."""

    def record(self, values: dict, ctx: "ImportContext") -> dict:
        """The model values (``db_key``, ``fields`` and a link's target ids) of a valid row, each read from the
        cell or the value ``check`` resolved of the same name, or the one named in ``record_sources``. Kinds whose
        values are computed (a sort key, a scaled number) write their own."""
        return {column: values[source] for column, source in self._record_plan}

    record_sources: dict[str, str] = {}  # model column -> the value it is read from, where the names differ

    @cached_property
    def _record_plan(self) -> tuple[tuple[str, str], ...]:
        columns = (*self.db_key, *self.fields, *((self.links[3],) if self.links else ()))
        return tuple((column, self.record_sources.get(column, column)) for column in columns)

    def insert_values(self, record: dict, ctx: "ImportContext") -> dict:
        """Every column of a new record (defaults added by the table for the rest)."""
        return dict(record)

    def update_values(self, ctx: "ImportContext") -> dict:
        """Columns set on every updated record besides ``fields`` (e.g. who verified a report)."""
        return {}

    def is_unchanged(self, stored: dict, record: dict) -> bool:
        return all(stored[name] == record[name] for name in self.fields)

    def audit_key(self, record: dict, values_row: dict | None = None) -> dict:
        return {}


_registry: dict[str, Kind] = {}


def register(kind_class: type[Kind]) -> type[Kind]:
    """Class decorator: make a kind importable (by its ``name``)."""
    _registry[kind_class.name] = kind_class()
    return kind_class


def kinds() -> list[Kind]:
    return sorted(_registry.values(), key=lambda kind: kind.order)


def get_kind(name: str) -> Kind | None:
    return _registry.get((name or "").strip().lower())


# --- problems and results -------------------------------------------------------------------------

@dataclass
class Problem:
    """One problem: ``row N, column C: message`` (row 1 is the header)."""

    row: int
    column: str
    message: Any  # a lazy string, rendered in the reader's language

    def line(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportResult:
    kind: str
    filename: str
    dry_run: bool = False
    partial: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    unusable: bool = False
    written: bool = False

    @property
    def exit_code(self) -> int:
        if self.unusable:
            return 2
        return 1 if self.rejected else 0

    def summary(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, rejected {self.rejected}"


@dataclass
class Scope:
    """What a user may import into: None for everything, else sets of ids (managers)."""

    company_ids: set[int] | None = None
    platform_ids: set[int] | None = None
    kinds: frozenset[str] | None = None


class ImportContext:
    """Shared by the rows of one import: references (loaded once, on first use), the scope, the actor."""

    def __init__(self, kind: Kind, filename: str, actor=None, scope: Scope | None = None):
        self.kind = kind
        self.filename = filename
        self.actor = actor
        self.scope = scope or Scope()
        self.now = clock.utcnow()
        self.current_period = Period.current()
        self._periods: dict[str, Period] = {}

    @cached_property
    def organisations(self) -> dict[str, tuple[int, str]]:
        """credit code -> (id, kind) of every registered organisation."""
        from ..organisations.models import Organisation

        rows = db.session.execute(select(Organisation.credit_code, Organisation.id, Organisation.kind)
                                  .where(Organisation.credit_code.is_not(None)))
        return {code: (org_id, kind) for code, org_id, kind in rows}

    @cached_property
    def platforms(self) -> dict[str, int]:
        from ..platforms.models import Platform

        return {code: platform_id for code, platform_id in db.session.execute(select(Platform.code, Platform.id))}

    @cached_property
    def partnerships(self) -> dict[str, tuple[int, str]]:
        from ..partnerships.models import Partnership

        rows = db.session.execute(select(Partnership.reference, Partnership.id, Partnership.kind))
        return {reference: (item_id, kind) for reference, item_id, kind in rows}

    @cached_property
    def industries(self) -> dict[str, int]:
        """Industry code, Chinese or English name, or a former default name (lower case) -> id, of the industries in
        use: the organisation form offers only those, and the import obeys the same list."""
        from ..organisations.models import Industry
        from ..organisations.services import INDUSTRY_ALIASES

        lookup, by_code = {}, {}
        for industry_id, code, name_zh, name_en in db.session.execute(
                select(Industry.id, Industry.code, Industry.name_zh, Industry.name_en)
                .where(Industry.is_active.is_(True)).order_by(Industry.id)):
            by_code[code] = industry_id
            for name in (name_en, name_zh, code):
                if name:
                    lookup.setdefault(name.strip().lower(), industry_id)
        for alias, code in INDUSTRY_ALIASES.items():
            if code in by_code:
                lookup.setdefault(alias.strip().lower(), by_code[code])
        return lookup

    @cached_property
    def industry_names(self) -> list[tuple[str, str]]:
        """(Chinese, English) names of the active industries, in the list's order (for messages)."""
        from ..organisations.models import Industry

        return [(zh, en) for zh, en in db.session.execute(
            select(Industry.name_zh, Industry.name_en).where(Industry.is_active.is_(True))
            .order_by(Industry.sort_order, Industry.id))]

    @cached_property
    def indicator_units(self) -> dict[str, int]:
        """Indicator code -> decimal places of its unit (0: counted in whole items, persons, ...)."""
        from ..outcomes.catalogue import CATALOGUE

        return {indicator.code: indicator.unit.places for indicator in CATALOGUE}

    def period(self, text: str) -> Period:
        found = self._periods.get(text)
        if found is None:
            found = self._periods[text] = Period.parse(text)
        return found

    @cached_property
    def space_units(self) -> dict[tuple[int, str], int]:
        """(platform id, unit code) -> id of every space unit."""
        from ..platforms.models import SpaceUnit

        rows = db.session.execute(select(SpaceUnit.platform_id, SpaceUnit.code, SpaceUnit.id))
        return {(platform_id, code): unit_id for platform_id, code, unit_id in rows}

    @cached_property
    def today(self):
        return clock.today()

    @cached_property
    def incubations_by_company(self) -> dict[int, list[tuple]]:
        """organisation id -> its incubations as (admitted_on, ended_on, platform_id, platform code), loaded once
        (the rules of managers' imports: placement, incubated elsewhere)."""
        from ..platforms.models import Platform
        from ..startups.models import Incubation

        found: dict[int, list[tuple]] = {}
        for organisation_id, *incubation in db.session.execute(
                select(Incubation.organisation_id, Incubation.admitted_on, Incubation.ended_on, Incubation.platform_id,
                       Platform.code).join(Platform, Platform.id == Incubation.platform_id)):
            found.setdefault(organisation_id, []).append(tuple(incubation))
        return found

    @cached_property
    def ongoing_tenancy_platforms(self) -> dict[int, set[int]]:
        """organisation id -> the platforms it rents space on today or later."""
        from ..access import ongoing_tenancies

        found: dict[int, set[int]] = {}
        for organisation_id, platform_id in db.session.execute(ongoing_tenancies(self.today)):
            found.setdefault(organisation_id, set()).add(platform_id)
        return found

    def may_use_company(self, organisation_id: int) -> bool:
        return self.scope.company_ids is None or organisation_id in self.scope.company_ids

    def may_use_platform(self, platform_id: int) -> bool:
        return self.scope.platform_ids is None or platform_id in self.scope.platform_ids


# --- the header -----------------------------------------------------------------------------------

def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def match_header(kind: Kind, header: list) -> tuple[list[tuple[int, Column]], list[int], list[Problem]]:
    """Map header cells to columns: ((index, column) list, indexes of blank headers, problems)."""
    mapping: list[tuple[int, Column]] = []
    blanks: list[int] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, cell in enumerate(header):
        if is_blank(cell) or cell is FORMULA_WITHOUT_VALUE:
            blanks.append(index)
            continue
        text = (str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell)).strip()
        column = kind.by_header.get(text.lower())
        if column is None:
            problems.append(Problem(1, text, _l("This column is not one of the columns of %(kind)s.",
                                                kind=kind.name)))
        elif column.key in seen:
            problems.append(Problem(1, column.key, _l("This column is given twice.")))
        else:
            seen.add(column.key)
            mapping.append((index, column))
    for column in kind.columns:
        if column.required and column.key not in seen:
            problems.append(Problem(1, column.key, _l("This required column is missing (header %(zh)s or %(key)s).",
                                                      zh=column.zh, key=column.key)))
    return mapping, blanks, problems


# --- spilling valid records between the passes ----------------------------------------------------

class Spill:
    """Valid records written to a temporary file in chunks, read back in the same order."""

    def __init__(self, group: int = CHUNK_SIZE):
        self.file = tempfile.TemporaryFile()
        self.buffer: list = []
        self.count = 0
        self.group = group  # items kept in memory before they go to the file

    def add(self, item) -> None:
        self.buffer.append(item)
        self.count += 1
        if len(self.buffer) >= self.group:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            pickle.dump(self.buffer, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.buffer = []

    def chunks(self):
        self.flush()
        self.file.seek(0)
        while True:
            try:
                yield pickle.load(self.file)
            except EOFError:
                return

    def close(self) -> None:
        self.file.close()


# --- running an import ----------------------------------------------------------------------------

def run_import(kind: Kind | str, path: str | Path, *, filename: str | None = None, dry_run: bool = False,
               partial: bool = False, actor=None, scope: Scope | None = None, progress=None,
               write_phase=None) -> ImportResult:
    """Check every row of ``path``, then (unless ``dry_run`` or an error without ``partial``) upsert.

    Writes in the current transaction and flushes; the caller commits (or rolls back).
    :param filename: the name shown in messages and audit events (default: the file's own name).
    :param scope: limits for managers (their companies and platforms); None lets everything in.
    :param progress: called with the number of rows checked so far, every ``PROGRESS_ROWS`` rows (jobs).
    :param write_phase: a context manager factory around the write pass (a job opens its writing
        transaction there, so on SQLite the write lock is held only while the valid rows are written).
    """
    kind = get_kind(kind) if isinstance(kind, str) else kind
    path = Path(path)
    filename = filename or path.name
    result = ImportResult(kind=kind.name, filename=filename, dry_run=dry_run, partial=partial)
    ctx = ImportContext(kind, filename, actor=actor, scope=scope)
    if ctx.scope.kinds is not None and kind.name not in ctx.scope.kinds:
        result.unusable = True
        result.problems.append(Problem(1, kind.name, _l("You may not import %(kind)s.", kind=kind.name)))
        return result
    reason = kind.unusable_reason(ctx)
    if reason is not None:
        result.unusable = True
        result.problems.append(Problem(1, "-", reason))
        return result
    try:
        table = open_table(path, (kind.name, kind.sheet_zh))
    except FileUnreadable as error:
        result.unusable = True
        message = str(error) if isinstance(error, WorkbookTooLarge) else \
            _l("The file cannot be read: use an .xlsx workbook or a .csv file.")
        result.problems.append(Problem(1, "-", message))
        return result

    mapping, blanks, header_problems = match_header(kind, table.header)
    if header_problems:
        result.unusable = True
        result.problems.extend(header_problems)
        return result

    spill = Spill()
    period_token = current_period.set(ctx.current_period)
    try:
        _check_rows(kind, table, mapping, blanks, ctx, result, spill, progress)
        if result.unusable:
            result.problems = [problem for problem in result.problems if problem.row == 1]
            result.rejected = 0
            return result
        if result.rejected and not partial:
            return result
        if write_phase is not None and not dry_run and db.session.get_bind().dialect.name == "sqlite":
            _load_prepared(kind, spill, ctx, result, write_phase)
        elif write_phase is not None and not dry_run:
            with write_phase():
                _load(kind, spill, ctx, result, write=True)
        else:
            _load(kind, spill, ctx, result, write=not dry_run)
        result.written = not dry_run
    finally:
        current_period.reset(period_token)
        spill.close()
    return result


PROGRESS_ROWS = 2000


def _check_rows(kind: Kind, table, mapping, blanks, ctx: ImportContext, result: ImportResult, spill: Spill,
                progress=None) -> None:
    """Pass 1: parse and check every row; valid records go to ``spill``."""
    width = max([index for index, _ in mapping] + blanks + [-1]) + 1
    columns = [(index, column, column.key, column.parse, column.required, column.default)
               for index, column in mapping]
    absent = {column.key: column.default for column in kind.columns
              if column.key not in {c.key for _, c in mapping}}
    blank_index = set(blanks)
    key_columns = kind.key
    order = {column.key: position for position, column in enumerate(kind.columns)}
    seen_keys: set = set()
    reported_blank_columns: set[int] = set()
    problems = result.problems
    row_problems: list[tuple[str, Any]] = []

    def report(column: str, message) -> None:
        row_problems.append((column, message))

    for number, cells in table.rows():
        if all(is_blank(cell) for cell in cells):
            continue
        if len(cells) > width or blank_index:
            for index, cell in enumerate(cells):
                if (index >= width or index in blank_index) and not is_blank(cell) \
                        and index not in reported_blank_columns:
                    reported_blank_columns.add(index)
                    result.unusable = True
                    problems.append(Problem(1, column_letter(index),
                                            _l("A column without a header holds data (row %(row)d).", row=number)))
        if result.unusable:
            continue
        result.rows += 1
        if progress is not None and result.rows % PROGRESS_ROWS == 0:
            progress(result.rows)
        values = dict(absent)
        row_problems.clear()
        for index, column, key, parse, required, default in columns:
            raw = cells[index] if index < len(cells) else ""
            if raw is FORMULA_WITHOUT_VALUE:
                row_problems.append((key, _l("This formula cell has no computed value: open the file in Excel, "
                                             "let it calculate and save it again.")))
                continue
            if raw is None or raw == "" or (raw.__class__ is str and not raw.strip()):
                if required:
                    row_problems.append((key, _l("A value is required.")))
                else:
                    values[key] = default
                continue
            try:
                values[key] = parse(raw)
            except CellError as error:
                row_problems.append((key, error.message))

        if all(name in values for name in key_columns):
            file_key = tuple(values[name] for name in key_columns)
            if file_key in seen_keys:
                row_problems.append((key_columns[0], _l("The same %(key)s appears on an earlier row of this file.",
                                                        key=" + ".join(key_columns))))
            else:
                seen_keys.add(file_key)

        kind.check(values, ctx, report)
        if row_problems:
            result.rejected += 1
            row_problems.sort(key=lambda item: order.get(item[0], 0))
            done = set()
            for column, message in row_problems:
                if (column, str(message)) not in done:  # one line per column and message
                    done.add((column, str(message)))
                    problems.append(Problem(number, column, message))
            continue
        spill.add((number, kind.record(values, ctx)))


def _stored(kind: Kind, chunk: list, ids_only: bool = False) -> dict[tuple, dict]:
    """The stored records of a chunk, by natural key (one query); only ids and keys with ``ids_only``."""
    table = kind.table
    if ids_only:
        names = ("id", *kind.db_key)
    else:
        names = ("id", *(("version",) if "version" in table.c else ()), *kind.db_key, *kind.fields,
                 *kind.extra_fields)
    names = tuple(dict.fromkeys(names))
    query = select(*(table.c[name] for name in names))
    for name in kind.db_key:
        distinct = {record[name] for _, record in chunk}
        if None in distinct:
            distinct.discard(None)
            query = query.where(table.c[name].in_(distinct) | table.c[name].is_(None)) if distinct \
                else query.where(table.c[name].is_(None))
        else:
            query = query.where(table.c[name].in_(distinct))
    positions = [names.index(name) for name in kind.db_key]
    stored = {}
    for row in db.session.execute(query):
        stored[tuple(row[position] for position in positions)] = dict(zip(names, row))
    return stored


def _stored_links(kind: Kind, owner_ids: list[int]) -> dict[int, frozenset]:
    """Owner id -> the ids it links to (one query per chunk)."""
    link_table, owner, target, _field = kind.links
    found: dict[int, set] = {}
    if owner_ids:
        for owner_id, target_id in db.session.execute(
                select(link_table.c[owner], link_table.c[target]).where(link_table.c[owner].in_(owner_ids))):
            found.setdefault(owner_id, set()).add(target_id)
    return {owner_id: frozenset(ids) for owner_id, ids in found.items()}


def _write_links(kind: Kind, relink: dict[int, frozenset]) -> None:
    """Replace the links of the given owners (bulk delete, bulk insert)."""
    from sqlalchemy import delete

    link_table, owner, target, _field = kind.links
    db.session.execute(delete(link_table).where(link_table.c[owner].in_(list(relink))))
    rows = [{owner: owner_id, target: target_id} for owner_id, targets in relink.items() for target_id in targets]
    if rows:
        db.session.execute(insert(link_table), rows)


@dataclass
class ChunkPlan:
    """What one chunk of valid records does to the stored ones: rows to insert, updates, audit events
    (creations get theirs once the new ids are known), links to rewrite, and the counts."""

    inserts: list = field(default_factory=list)
    insert_rows: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    events: list = field(default_factory=list)
    relink: dict = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count_into(self, result: ImportResult) -> None:
        result.created += self.created
        result.updated += self.updated
        result.unchanged += self.unchanged


class Loader:
    """Pass 2 for one kind: compares a chunk with its stored records and writes the difference."""

    def __init__(self, kind: Kind, ctx: ImportContext):
        self.kind, self.ctx = kind, ctx
        table = kind.table
        self.table, self.entity_type = table, table.name
        self.stamps = {name: ctx.now for name in ("created_at", "updated_at") if name in table.c}
        extra = kind.update_values(ctx)
        if "updated_at" in table.c:
            extra = {**extra, "updated_at": ctx.now}
        self.extra = extra
        self.update_statement = (
            update(table).where(table.c.id == bindparam("v__id"))
            .values({name: bindparam(f"v_{name}") for name in (*kind.fields, *extra)})
        )
        if "version" in table.c:
            self.update_statement = self.update_statement.values(version=table.c.version + 1)
        self.link_field = kind.links[3] if kind.links else None

    def stored_state(self, chunk: list) -> tuple[dict, dict]:
        stored = _stored(self.kind, chunk)
        links = _stored_links(self.kind, [old["id"] for old in stored.values()]) if self.link_field else {}
        return stored, links

    def plan(self, chunk: list, stored: dict, stored_links: dict) -> ChunkPlan:
        kind, ctx, fields, extra, link_field = self.kind, self.ctx, self.kind.fields, self.extra, self.link_field
        plan = ChunkPlan()
        for number, record in chunk:
            key = tuple(record[name] for name in kind.db_key)
            old = stored.get(key)
            links_changed = False
            if old is not None and link_field:
                old_links = stored_links.get(old["id"], frozenset())
                links_changed = old_links != record[link_field]
            if old is None:
                plan.created += 1
                new_values = kind.insert_values(record, ctx)
                if link_field:
                    del new_values[link_field]
                plan.inserts.append({**new_values, **self.stamps})
                plan.insert_rows.append((number, record))
            elif kind.is_unchanged(old, record) and not links_changed:
                plan.unchanged += 1
            else:
                plan.updated += 1
                params = {f"v_{name}": record[name] for name in fields}
                params.update({f"v_{name}": value for name, value in extra.items()})
                params["v__id"] = old["id"]
                plan.updates.append(params)
                before = {name: old[name] for name in fields if old[name] != record[name]}
                after = {name: record[name] for name in before}
                for name, value in extra.items():
                    if name in old and old[name] != value:
                        before[name], after[name] = old[name], value
                if links_changed:
                    before[link_field], after[link_field] = sorted(old_links), sorted(record[link_field])
                    plan.relink[old["id"]] = record[link_field]
                if "version" in old:
                    after["version"] = old["version"] + 1
                plan.events.append((number, {"action": "update", "entity_type": self.entity_type,
                                             "entity_id": old["id"], "before": before, "after": after,
                                             "source_detail": _detail(ctx.filename, number)}))
        return plan

    def creation_events(self, plan: ChunkPlan) -> list:
        """The audit events of the chunk's new records, by their ids (read back by natural key)."""
        kind, events = self.kind, []
        created = _stored(kind, plan.insert_rows, ids_only=True)
        for number, record in plan.insert_rows:
            new_id = created[tuple(record[name] for name in kind.db_key)]["id"]
            if self.link_field:
                plan.relink[new_id] = record[self.link_field]
            events.append((number, {"action": "create", "entity_type": self.entity_type, "entity_id": new_id,
                                    "after": {**kind.audit_key(record), **record},
                                    "source_detail": _detail(self.ctx.filename, number)}))
        return events

    def write(self, plan: ChunkPlan) -> None:
        events = list(plan.events)
        if plan.inserts:
            # A plain executemany, then one query for the new ids by natural key (measured faster than
            # INSERT ... RETURNING, which SQLite would run row by row when the order must be kept).
            db.session.execute(insert(self.table), plan.inserts)
            events += self.creation_events(plan)
        self._write_rest(plan, events)

    def _write_rest(self, plan: ChunkPlan, events: list) -> None:
        if plan.updates:
            db.session.execute(self.update_statement, plan.updates)
        if plan.relink:
            _write_links(self.kind, plan.relink)
        if events:
            events.sort(key=lambda item: item[0])
            record_many([event for _, event in events], source="import", actor=self.ctx.actor)


def _load(kind: Kind, spill: Spill, ctx: ImportContext, result: ImportResult, write: bool) -> None:
    """Pass 2: upsert the valid records chunk by chunk, with their audit events."""
    loader = Loader(kind, ctx)
    for chunk in spill.chunks():
        plan = loader.plan(chunk, *loader.stored_state(chunk))
        plan.count_into(result)
        if write:
            loader.write(plan)


class PreparedInsert:
    """An INSERT whose rows are made ready for the driver (each column's bind processing done, as tuples)
    ahead of time, then run as one plain DBAPI executemany. SQLite (qmark parameters) only; ``None`` from
    ``of`` when the rows cannot be prepared exactly as SQLAlchemy would send them."""

    def __init__(self, table, names: tuple[str, ...], constants: dict, dialect):
        self.shape = (names, constants)  # what rebuilds the same statement (processors do not pickle)
        statement = insert(table).values({name: bindparam(name) for name in (*names, *constants)})
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.order = list(compiled.positiontup)
        self.constants = constants
        # The dialect's own type (SQLite's DATETIME for a DateTime), as SQLAlchemy's execute processes it.
        self.processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self.order]

    @classmethod
    def of(cls, table, rows: list[dict], dialect):
        if not rows or dialect.name != "sqlite" or dialect.paramstyle != "qmark":
            return None
        names = tuple(rows[0])
        if any(tuple(row) != names for row in rows):
            return None
        constants = {}
        for column in table.c:
            if column.key in names or column.default is None:
                continue
            if not column.default.is_scalar:
                return None  # a Python-side default computed per row: let SQLAlchemy insert these
            constants[column.key] = column.default.arg
        return cls(table, names, constants, dialect)

    def prepare(self, rows: list[dict]) -> list[tuple]:
        order, processors, constants = self.order, self.processors, self.constants
        ready = []
        for row in rows:
            values = []
            for name, process in zip(order, processors):
                value = row[name] if name in row else constants[name]
                values.append(value if process is None else process(value))  # None too, as SQLAlchemy does
            ready.append(tuple(values))
        return ready

    def position(self, name: str) -> int:
        return self.order.index(name)

    def ready_value(self, name: str, value):
        process = self.processors[self.order.index(name)]
        return value if process is None else process(value)

    def execute(self, ready: list[tuple]) -> None:
        if ready:
            db.session.connection().exec_driver_sql(self.sql, ready)


@dataclass
class PreparedChunk:
    """A chunk compared and made ready in the reading transaction: the stored records it was compared
    with, its plan, its insert rows and audit rows ready for the driver (creations' ids to fill in)."""

    chunk: list
    stored: dict
    stored_links: dict
    plan: ChunkPlan
    ready: bool = False  # False: compare and write it again in the writing transaction
    inserts: list = field(default_factory=list)
    insert_shape: tuple | None = None
    events: list = field(default_factory=list)
    audit_shape: tuple | None = None
    creation_slots: list = field(default_factory=list)  # (position in ``events``, row number) of creations


def _load_prepared(kind: Kind, spill: Spill, ctx: ImportContext, result: ImportResult, write_phase) -> None:
    """Pass 2 of a job on SQLite, the write lock held only for the writes: every chunk is compared with
    its stored records and its rows made ready for the driver in the reading transaction; then, in the
    writing one, each chunk's stored records are read again and, if they are still those it was compared
    with, its ready rows are written; otherwise (another writer changed them meanwhile) it is compared
    again there. Same rows, same audit events, one transaction."""
    from ..audit.models import AuditEvent
    from ..audit.services import event_rows

    loader = Loader(kind, ctx)
    dialect = db.session.get_bind().dialect
    audit_table = AuditEvent.__table__
    prepared = Spill(group=1)
    try:
        for chunk in spill.chunks():
            stored, stored_links = loader.stored_state(chunk)
            plan = loader.plan(chunk, stored, stored_links)
            inserts = PreparedInsert.of(loader.table, plan.inserts, dialect)
            events = [(number, event) for number, event in plan.events]
            events += [(number, {"action": "create", "entity_type": loader.entity_type, "entity_id": None,
                                 "after": {**kind.audit_key(record), **record},
                                 "source_detail": _detail(ctx.filename, number)})
                       for number, record in plan.insert_rows]
            events.sort(key=lambda item: item[0])
            rows = event_rows([event for _, event in events], source="import", actor=ctx.actor)
            audit = PreparedInsert.of(audit_table, rows, dialect)
            item = PreparedChunk(chunk, stored, stored_links, plan)
            if not loader.link_field and (inserts is not None or not plan.inserts) \
                    and (audit is not None or not rows):
                positions = {number: index for index, (number, event) in enumerate(events)
                             if event["action"] == "create"}
                item.ready = True
                if inserts is not None:
                    item.inserts, item.insert_shape = inserts.prepare(plan.inserts), inserts.shape
                if audit is not None:
                    item.events, item.audit_shape = audit.prepare(rows), audit.shape
                item.creation_slots = [(positions[number], number) for number, _ in plan.insert_rows]
                plan.inserts, plan.events = [], []  # held ready above: not kept twice in the spill file
            prepared.add(item)
        with write_phase():
            for item in prepared.chunks():
                item = item[0]
                current = loader.stored_state(item.chunk)
                if not item.ready or current != (item.stored, item.stored_links):
                    plan = loader.plan(item.chunk, *current)
                    loader.write(plan)
                else:
                    plan = item.plan
                    _write_ready(loader, item,
                                 item.insert_shape and PreparedInsert(loader.table, *item.insert_shape, dialect),
                                 item.audit_shape and PreparedInsert(audit_table, *item.audit_shape, dialect))
                plan.count_into(result)
    finally:
        prepared.close()


def _write_ready(loader: Loader, item: PreparedChunk, inserts: PreparedInsert | None,
                 audit: PreparedInsert | None) -> None:
    """Write a prepared chunk: its ready rows, the new ids into its creation events, then its updates."""
    plan = item.plan
    events = item.events
    if item.inserts:
        inserts.execute(item.inserts)
        created = _stored(loader.kind, plan.insert_rows, ids_only=True)
        entity = audit.position("entity_id")
        by_number = dict(plan.insert_rows)
        for position, number in item.creation_slots:
            record = by_number[number]
            new_id = created[tuple(record[name] for name in loader.kind.db_key)]["id"]
            row = list(events[position])
            row[entity] = audit.ready_value("entity_id", str(new_id))
            events[position] = tuple(row)
    if plan.updates:
        db.session.execute(loader.update_statement, plan.updates)
    if events:
        when = audit.position("occurred_at")
        now = audit.ready_value("occurred_at", clock.utcnow())  # written now, as record_many would stamp it
        audit.execute([(*row[:when], now, *row[when + 1:]) for row in events])


def _detail(filename: str, number: int) -> str:
    suffix = f" row {number}"
    return filename[: 255 - len(suffix)] + suffix

