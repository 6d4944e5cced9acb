"""Access control proven by walking the whole app (issue 11, part 1).

A small demo zone is seeded once for this module. Each demo user (an administrator, the managers of two
different platforms, a reviewer, two founders, a partner contact) and an anonymous visitor walk every page
they can reach by links and GET forms; POST forms are recorded, not sent. Then:

* every GET URL one user reached is requested as every other user: the answer is a page they reach
  themselves, a 404 (a record they may not see), a 403 (an action their role may not take) or the login page
  (logged out); never a server error;
* every answer any user gets (their own walk and the replays) is searched for strings that belong to
  companies the user may not see (names, credit codes, phone numbers, e-mails, contract numbers), in HTML,
  JSON, CSV and xlsx;
* every int-id route nobody reached by a link is tried with ids of records the user may not see;
* every POST form one user saw is sent by each other user with the first user's fields: refused, and the
  database is unchanged;
* every data-entry form a user may send, sent with fields it does not offer (status, company, platform,
  role ...): those columns keep their values.

Failures name the role pair and the URL.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select, text
from werkzeug.routing import IntegerConverter
from werkzeug.datastructures import MultiDict

from incubator.extensions import db
from tests.conftest import PASSWORD, AuthActions
from tests.security.conftest import seeded_zone_app
from tests.crawl import crawlable_urls, endpoint_of, page_links_and_forms, response_text, walk

USERS = {
    "admin": "admin@demo.zone",
    "manager": "manager@demo.zone",
    "manager2": "manager2@demo.zone",
    "reviewer": "reviewer@demo.zone",
    "founder": "founder@demo.zone",
    "founder2": "founder2@demo.zone",
    "partner": "partner@demo.zone",
}
ANONYMOUS = "anonymous"
EVERYONE = (*USERS, ANONYMOUS)
PAIRS = [(a, b) for a in USERS for b in EVERYONE if a != b]
REFUSED = (401, 403, 404)  # 401: the API asks for a token (it never reads the session)
PER_ENDPOINT = 1  # records per endpoint each user opens (others differ: the replays cross them)
SCALE = 0.3  # of the demo zone: every area seeded, fewer companies, reports, agreements and deals
# Tables that change by merely using the app (sessions, login throttling): not part of "the data".
VOLATILE = {"user_sessions", "login_throttles", "alembic_version"}


def pair_id(pair):
    return f"{pair[0]}->{pair[1]}"


# --- the zone -----------------------------------------------------------------------------------------------

class Zone:
    """The seeded app, a logged-in client per demo user, and what each may see (from the seed's facts)."""

    def __init__(self, app):
        self.app = app
        self.adapter = app.url_map.bind("localhost")
        self.clients = {ANONYMOUS: app.test_client()}
        self.users = {}
        from incubator.auth.models import User

        for name, email in USERS.items():
            user = db.session.scalar(select(User).where(User.email == email))
            self.users[name] = user
            client = app.test_client()
            assert AuthActions(client).login(email, PASSWORD).status_code == 302, f"{name} cannot log in"
            self.clients[name] = client
        self.visible = {name: visible_companies(user) for name, user in self.users.items()}
        self.visible[ANONYMOUS] = set()
        self.markers = company_markers()
        self._walks = {}
        self.mass_statuses = defaultdict(list)
        self.offered = {}  # user -> POST actions some page offers them
        self.leaks = defaultdict(list)  # user -> ["url: markers"]

    def relogin(self, name):
        if name == ANONYMOUS:
            return
        client = self.app.test_client()
        assert AuthActions(client).login(USERS[name], PASSWORD).status_code == 302
        self.clients[name] = client

    # What must not be shown to a user: the strings of companies outside their scope.
    def forbidden_for(self, name) -> dict[str, set]:
        visible = self.visible[name]
        if visible is None:
            return {}
        mine = {marker for marker, owners in self.markers.items() if owners & visible}
        return {marker: owners for marker, owners in self.markers.items() if marker not in mine}

    def leaked(self, name, response) -> list[str]:
        forbidden = self.forbidden_for(name)
        if not forbidden:
            return []
        found = find_markers(response_text(response), self.marker_index)
        return sorted(marker for marker in found if marker in forbidden)

    @property
    def marker_index(self):
        if not hasattr(self, "_index"):
            self._index = MarkerIndex(self.markers)
        return self._index

    def json_urls(self) -> list[str]:
        """JSON the pages' scripts fetch with arguments no link carries (the units of a platform)."""
        from incubator.platforms.models import Platform

        ids = list(db.session.scalars(select(Platform.id).order_by(Platform.id)))
        db.session.rollback()
        return [f"/bookings/units?kind=room&platform={i}" for i in ids]

    def walk_of(self, name):
        if name not in self._walks:
            def inspect(visit, response, name=name):
                leaked = self.leaked(name, response)
                if leaked:
                    self.leaks[name].append(f"{visit.url}: {leaked[:5]}")

            start = ["/", "/home", *crawlable_urls(self.app, skip_words=("logout",)), *self.json_urls()] \
                if name != ANONYMOUS else ["/", "/login", "/register", "/password/forgot", "/healthz",
                                            "/api/v1/openapi.json", "/api/v1/reference"]  # the API's public description
            # An administrator sees every record: one per endpoint is enough (and their pages are the dearest).
            self._walks[name] = walk(self.clients[name], self.app, start, inspect=inspect,
                                     per_endpoint=1 if name == "admin" else PER_ENDPOINT, per_page=1)
        return self._walks[name]


def visible_companies(user) -> set | None:
    """The companies ``user`` may see, from the facts of the zone (not from the access helpers under test):
    administrators all; a manager the companies incubated at, renting at, applying to (submitted), booking at
    or partnering with one of their platforms, and those platforms' and companies' agreements; a founder their
    own company; a partner contact their institution's agreements and the companies in them; a reviewer the
    companies of the applications they review."""
    from incubator.bookings.models import BookableResource, Booking
    from incubator.partnerships.models import Partnership
    from incubator.platforms.models import Tenancy, platform_managers
    from incubator.startups.models import Application, Incubation, ReviewAssignment

    if user.role == "admin":
        return None
    ids: set[int] = set()
    if user.role == "manager":
        mine = select(platform_managers.c.platform_id).where(platform_managers.c.user_id == user.id)
        for query in (
            select(Incubation.organisation_id).where(Incubation.platform_id.in_(mine)),
            select(Tenancy.organisation_id).where(Tenancy.platform_id.in_(mine)),
            select(Application.organisation_id).where(Application.platform_id.in_(mine), Application.status != "draft"),
            select(Booking.organisation_id).join(BookableResource, Booking.resource_id == BookableResource.id)
            .where(BookableResource.platform_id.in_(mine)),
            select(Partnership.company_id).where(Partnership.platform_id.in_(mine)),
        ):
            ids.update(i for i in db.session.scalars(query) if i)
        ids.update(("agreement", i) for i in db.session.scalars(select(Partnership.id).where(
            Partnership.platform_id.in_(mine) | Partnership.company_id.in_(ids))))
    elif user.role == "startup" and user.organisation_id:
        ids.add(user.organisation_id)
    elif user.role == "partner" and user.organisation_id:
        ids.update(i for i in db.session.scalars(select(Partnership.company_id).where(
            Partnership.partner_id == user.organisation_id)) if i)
        ids.add(user.organisation_id)
        ids.update(("agreement", i) for i in db.session.scalars(select(Partnership.id).where(
            Partnership.partner_id == user.organisation_id)))
    elif user.role == "reviewer":
        ids.update(i for i in db.session.scalars(
            select(Application.organisation_id).join(ReviewAssignment, ReviewAssignment.application_id == Application.id)
            .where(ReviewAssignment.reviewer_id == user.id)) if i)
    return ids


def company_markers() -> dict[str, set]:
    """Strings that belong to one startup company each: its name, credit code, phone, its people's e-mails,
    its tenancy contract numbers, the references of the technology deals it received; and the references of
    agreements (("agreement", id)) and the company names of draft applications (("draft", id), seen by their
    applicant only). marker -> the companies (or records) it belongs to."""
    from incubator.partnerships.models import Partnership, TechTransferDeal
    from incubator.auth.models import User
    from incubator.organisations.models import Organisation
    from incubator.platforms.models import Tenancy
    from incubator.startups.models import Application

    markers: dict[str, set[int]] = defaultdict(set)
    for org in db.session.scalars(select(Organisation).where(Organisation.kind == "startup")):
        for value in (org.name, org.credit_code, org.contact_phone):
            if value and len(value) >= 8:
                markers[value].add(org.id)
    for email, org_id in db.session.execute(select(User.email, User.organisation_id).where(
            User.organisation_id.is_not(None), User.role == "startup")):
        markers[email.lower()].add(org_id)
    for number, org_id in db.session.execute(select(Tenancy.contract_no, Tenancy.organisation_id)):
        if number and len(number) >= 8:
            markers[number].add(org_id)
    for name, org_id in db.session.execute(select(Application.company_name, Application.organisation_id).where(
            Application.organisation_id.is_not(None))):
        if name and len(name) >= 8:
            markers[name].add(org_id)
    for name, application_id in db.session.execute(select(Application.company_name, Application.id).where(
            Application.organisation_id.is_(None))):
        if name and len(name) >= 8:
            markers[name].add(("draft", application_id))
    for reference, org_id in db.session.execute(select(TechTransferDeal.reference, TechTransferDeal.recipient_id)):
        markers[reference].add(org_id)
    for reference, agreement_id in db.session.execute(select(Partnership.reference, Partnership.id)):
        markers[reference].add(("agreement", agreement_id))
    return dict(markers)


class MarkerIndex:
    """Finds the markers in a text in one pass of a few regular expressions (not one search per marker)."""

    def __init__(self, markers):
        self.names = {m for m in markers if m.endswith(("有限公司", "创业团队", "公司"))}
        self.name_lengths = sorted({len(m) for m in self.names})
        self.tokens = set(markers) - self.names

    def find(self, text: str) -> set[str]:
        found = set()
        for match in re.finditer(r"有限公司|创业团队|公司", text):
            end = match.end()
            for length in self.name_lengths:
                if text[max(0, end - length):end] in self.names:
                    found.add(text[end - length:end])
        for match in re.finditer(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[0-9A-Za-z][0-9A-Za-z-]{6,}", text):
            token = match.group(0)
            if token.lower() in self.tokens:
                found.add(token.lower())
            elif token in self.tokens:
                found.add(token)
        return found


def find_markers(text: str, index: MarkerIndex) -> set[str]:
    return index.find(text)


@pytest.fixture(scope="module")
def zone(migrated_database, tmp_path_factory):
    with seeded_zone_app("walk", migrated_database, tmp_path_factory, SCALE) as app:
        yield Zone(app)
        for connection in _audit_connections.values():
            connection.close()
        _audit_connections.clear()


# --- the database's state -----------------------------------------------------------------------------------

def table_digests() -> dict[str, str]:
    """A digest of every table's rows (volatile tables left out)."""
    digests = {}
    for table in db.metadata.sorted_tables:
        if table.name in VOLATILE:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(select(table).order_by(*order)).all()
        digests[table.name] = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
    db.session.rollback()
    return digests


def audit_count() -> int:
    """How many audit events there are, read on a DBAPI connection of its own in autocommit mode (cheap: no
    ORM transaction to end, and it never holds a lock)."""
    connection = _audit_connections.get(db.engine)
    if connection is None:
        connection = _audit_connections[db.engine] = db.engine.raw_connection()
        if db.engine.dialect.name == "sqlite":
            connection.driver_connection.isolation_level = None
        else:
            connection.driver_connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("SELECT count(*) FROM audit_events")
    count = cursor.fetchone()[0]
    cursor.close()
    return count


_audit_connections: dict = {}


# --- 1. the walks themselves --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", EVERYONE)
def test_each_user_walks_the_app_without_server_errors_or_foreign_data(zone, name):
    result = zone.walk_of(name)
    assert result.errors == []
    reached = result.reached(200)
    if name == ANONYMOUS:
        assert {"/login", "/register"} <= reached
        assert "/home" not in reached
    else:
        assert "/home" in reached and len(reached) >= 15, sorted(reached)
    assert zone.leaks[name] == [], f"{name} sees companies outside their scope"


def test_the_marker_search_finds_names_codes_and_e_mails_in_pages_json_and_spreadsheets(zone):
    import io
    import json

    from openpyxl import Workbook

    name = next(m for m in zone.markers if m.endswith("有限公司"))
    code = next(m for m in zone.markers if re.fullmatch(r"[0-9A-Z]{18}", m))
    email = next(m for m in zone.markers if "@" in m)

    class Answer:
        def __init__(self, data, mimetype):
            self.data, self.mimetype = data, mimetype

        def get_data(self, as_text=False):
            return self.data.decode() if as_text else self.data

    html = f"<td>公司：{name}</td><td>{code}</td><a href='mailto:{email}'>x</a>".encode()
    payload = json.dumps({"rows": [{"name": name}]}).encode()  # \\u-escaped Chinese
    book = Workbook()
    book.active.append(["名称", name])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert find_markers(response_text(Answer(html, "text/html")), zone.marker_index) == {name, code, email}
    assert find_markers(response_text(Answer(payload, "application/json")), zone.marker_index) == {name}
    assert find_markers(response_text(Answer(buffer.getvalue(), xlsx)), zone.marker_index) == {name}
    assert find_markers(f"{name[:-2]}", zone.marker_index) == set()


def test_the_walk_finds_a_planted_hole(zone, monkeypatch):
    """The walk is not blind: with the bookings' tenant filter removed, a founder's walk shows another
    company's bookings, and the marker search says so."""
    from sqlalchemy import true

    import incubator.bookings.services as bookings

    monkeypatch.setattr(bookings, "own_bookings_clause", lambda user: true())
    found = []
    walk(zone.clients["founder2"], zone.app, ["/bookings/list", "/bookings/calendar.ics"], per_endpoint=1,
         inspect=lambda visit, response: found.extend(zone.leaked("founder2", response)))
    assert found, "a planted leak went unnoticed"


# --- 2. every GET one user reached, requested by every other user ---------------------------------------

def _is_login_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and urlsplit(response.headers.get("Location", "")).path == "/login"


def get_replays(zone, name) -> dict[str, list[str]]:
    """url -> problems, for every URL another user reached (200) and ``name`` did not request in its walk.
    The POST actions the replayed pages offer ``name`` are noted (``zone.offered``)."""
    cache = zone.__dict__.setdefault("_get_replays", {})
    if name in cache:
        return cache[name]
    own = zone.walk_of(name)
    own_endpoints = own.endpoints(200)
    offered = zone.offered.setdefault(name, set())
    offered.update(form.action for form in own.post_forms.values())
    urls = set()
    for other in USERS:
        if other != name:
            urls |= zone.walk_of(other).reached(200)
    client = zone.clients[name]
    results = {}
    replayed_endpoints = set()
    for url in sorted(urls - set(own.visits)):
        endpoint, args = endpoint_of(zone.adapter, url)
        if name == "admin" and endpoint in own_endpoints:
            continue  # an administrator sees every record: their walk rendered this page with another
        if name == ANONYMOUS and endpoint in replayed_endpoints:
            continue  # logged out, every record of an endpoint gets the same login page: one is enough
        replayed_endpoints.add(endpoint)
        problems = []
        try:
            response = client.get(url)
        except Exception as error:  # noqa: BLE001
            results[url] = [f"{type(error).__name__}: {error}"]
            continue
        status = response.status_code
        if status >= 500:
            problems.append(f"server error {status}")
        elif name == ANONYMOUS:
            if not (_is_login_redirect(response) or status in REFUSED or (status == 200 and endpoint in own_endpoints)):
                problems.append(f"anonymous answered {status} {response.headers.get('Location', '')}")
        else:
            leaked = zone.leaked(name, response)
            if leaked:
                problems.append(f"shows companies outside the scope: {leaked[:5]}")
            if status == 403 and endpoint in own_endpoints and any(isinstance(v, int) for v in args.values()):
                problems.append("403 for another's record on a page this user has (expected 404)")
            if status == 200 and response.mimetype == "text/html":
                _links, forms = page_links_and_forms(response.get_data(as_text=True), url)
                offered.update(form.action for form in forms if form.method == "POST")
        results[url] = problems
    cache[name] = results
    return results


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_pages_one_user_reached_show_another_only_what_they_may_see(zone, pair):
    owner, other = pair
    replays = get_replays(zone, other)
    mine = zone.walk_of(owner).reached(200)
    problems = {url: found for url, found in replays.items() if url in mine and found}
    assert problems == {}, f"{owner}'s pages requested by {other}"


# --- 3. int-id routes nobody reached by a link, tried with ids of records the user may not see --------------

SAMPLE_ARGUMENTS = {"fmt": "xlsx", "step": "company", "period": "2026Q3", "name": "companies"}
# A route argument -> the table its ids come from (unknown ones: the first and the last few ids of nothing).
ID_TABLES = {
    "organisation_id": "organisations", "company_id": "organisations", "institution_id": "organisations",
    "platform_id": "platforms", "application_id": "applications", "booking_id": "bookings",
    "resource_id": "booking_resources", "training_id": "booking_trainings", "industry_id": "industries",
    "user_id": "users", "rule_set_id": "compliance_rule_sets", "criterion_id": "compliance_criteria",
    "expert_id": "experts", "policy_id": "incentive_policies", "claim_id": "incentive_claims",
    "incubation_id": "incubations", "meeting_id": "review_meetings", "notification_id": "notifications",
    "ip_id": "intellectual_property", "agreement_id": "partnerships", "attachment_id": "partnership_attachments",
    "cohort_id": "training_cohorts", "contact_id": "institution_contacts", "deal_id": "tech_transfer_deals",
    "deliverable_id": "partnership_deliverables", "talent_id": "talents", "recognition_id": "platform_recognitions",
    "residency_id": "residencies", "day_id": "onsite_days", "tenancy_id": "tenancies", "unit_id": "space_units",
    "report_id": "quarterly_reports", "assignment_id": "review_assignments", "target_id": "targets",
    "document_id": "application_documents",
}


def foreign_ids(zone, name, argument) -> list[int]:
    """A few ids for ``argument`` that ``name`` should not be able to open: companies and platforms outside
    their scope; for other records the first and last rows (which mostly belong to someone else)."""
    from incubator.platforms.models import Platform, platform_managers

    table = ID_TABLES.get(argument)
    if table in ("organisations",):
        visible = zone.visible[name] or set()
        candidates = sorted({owner for owners in zone.markers.values() for owner in owners
                             if isinstance(owner, int)} - visible)
        return candidates[:2] + candidates[-1:]
    if table == "platforms":
        user = zone.users.get(name)
        mine = set() if user is None else set(db.session.scalars(
            select(platform_managers.c.platform_id).where(platform_managers.c.user_id == user.id)))
        ids = [i for i in db.session.scalars(select(Platform.id).order_by(Platform.id)) if i not in mine]
        return ids[:2] + ids[-1:]
    if table is None:
        return [1, 2]
    ids = db.session.execute(text(f'SELECT min(id), max(id) FROM "{table}"')).one()
    db.session.rollback()
    return sorted({i for i in ids if i is not None}) or [1]


def unreached_id_urls(zone, name) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET route with an int argument that no walk reached, filled with ids of records
    ``name`` should not see."""
    reached = set()
    for other in EVERYONE:
        reached |= zone.walk_of(other).endpoints(200)
    urls = []
    for rule in zone.app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in reached:
            continue
        converters = rule._converters
        int_arguments = [a for a, c in converters.items() if isinstance(c, IntegerConverter)]
        others = [a for a in rule.arguments if a not in int_arguments]
        if not int_arguments or any(a not in SAMPLE_ARGUMENTS and a != "year" for a in others):
            continue
        for index in range(3):
            values = {a: SAMPLE_ARGUMENTS.get(a, 2026) for a in others}
            for argument in int_arguments:
                if argument == "year":
                    values[argument] = 2026
                    continue
                ids = foreign_ids(zone, name, argument)
                values[argument] = ids[min(index, len(ids) - 1)]
            urls.append((rule.endpoint, zone.adapter.build(rule.endpoint, values)))
    return sorted(set(urls))


@pytest.mark.parametrize("name", [n for n in EVERYONE if n != "admin"])
def test_routes_without_a_link_refuse_records_of_others(zone, name):
    client = zone.clients[name]
    problems = {}
    for endpoint, url in unreached_id_urls(zone, name):
        response = client.get(url)
        status = response.status_code
        if status >= 500:
            problems[url] = f"server error {status}"
        elif name == ANONYMOUS and not (_is_login_redirect(response) or status in REFUSED):
            problems[url] = f"anonymous answered {status}"
        elif status == 200 and zone.leaked(name, response):
            problems[url] = f"shows {zone.leaked(name, response)[:5]}"
    assert problems == {}


# --- 3b. filters and searches asked for other tenants' records -----------------------------------------------

ID_PARAMETERS = {"platform": "platform_id", "platform_id": "platform_id", "organisation": "organisation_id",
                 "organisation_id": "organisation_id", "company": "organisation_id", "company_id": "organisation_id",
                 "partner": "organisation_id", "partner_id": "organisation_id", "source": "organisation_id",
                 "source_id": "organisation_id", "recipient_id": "organisation_id", "institution": "organisation_id"}


@pytest.mark.parametrize("name", [n for n in USERS if n != "admin"])
def test_filters_given_ids_of_other_tenants_show_nothing_of_theirs(zone, name):
    """Every GET form (filter, search) the user saw, sent with a company or platform id they may not see in
    each id field: no server error, and nothing of that company on the page or in the file."""
    client = zone.clients[name]
    problems, sent = {}, 0
    for form in zone.walk_of(name).get_forms.values():
        names = {field for field, _value in form.fields} | set(form.offered)
        for field in sorted(names & set(ID_PARAMETERS)):
            for foreign in foreign_ids(zone, name, ID_PARAMETERS[field])[:2]:
                values = [(key, value) for key, value in form.fields if key != field] + [(field, str(foreign))]
                url = urlsplit(form.action).path + "?" + urlencode(values)
                response = client.get(url)
                sent += 1
                if response.status_code >= 500:
                    problems[url] = f"server error {response.status_code}"
                elif zone.leaked(name, response):
                    problems[url] = f"shows {zone.leaked(name, response)[:5]}"
    assert problems == {}
    if name.startswith("manager"):
        assert sent, "a manager's lists have platform or company filters"


# --- 4. every POST form one user saw, sent by every other user ----------------------------------------------

POST_TARGETS = [n for n in EVERYONE if n != "admin"]  # an administrator may take every action anyway
POST_PAIRS = [(a, b) for a in USERS for b in POST_TARGETS if a != b]


def record_page_of(zone, name, action) -> tuple[str | None, set[str]]:
    """The page of the record an action acts on, if ``name`` may open it (the longest GET route that prefixes
    the action and still names a record), and the POST actions that page offers them."""
    cache = zone.__dict__.setdefault("_record_pages", {})
    parts = urlsplit(action).path.rstrip("/").split("/")
    for end in range(len(parts) - 1, 1, -1):
        path = "/".join(parts[:end])
        endpoint, args = endpoint_of(zone.adapter, path)
        if endpoint is None:
            continue
        if not any(isinstance(value, int) for value in args.values()):
            break
        key = (name, path)
        if key not in cache:
            response = zone.clients[name].get(path)
            offers = set()
            if response.status_code == 200 and response.mimetype == "text/html":
                _links, forms = page_links_and_forms(response.get_data(as_text=True), path)
                offers = {form.action for form in forms if form.method == "POST"}
            cache[key] = (path if response.status_code == 200 else None, offers)
        return cache[key]
    return None, set()


FORMS_PER_ENDPOINT = 1  # different records per action: enough to prove the check, cheap enough for CI


def post_replays(zone, name) -> dict[str, list[str]]:
    """action -> problems, for POST forms other users saw that no page offers ``name`` (at most
    ``FORMS_PER_ENDPOINT`` records per action). An action on a record (an id in its URL) must be refused
    (403, 404, the login page); an action on one's own things (no id) may answer, but may change nothing."""
    cache = zone.__dict__.setdefault("_post_replays", {})
    if name in cache:
        return cache[name]
    get_replays(zone, name)  # notes the actions the pages offer ``name``
    offered = zone.offered[name]
    forms, per_endpoint = {}, defaultdict(int)
    for other in USERS:
        if other == name:
            continue
        for form in zone.walk_of(other).post_forms.values():
            endpoint, args = endpoint_of(zone.adapter, form.action, "POST")
            if form.action in forms or form.action in offered or endpoint is None or \
                    endpoint in ("auth.logout", "main.set_language") or per_endpoint[endpoint] >= FORMS_PER_ENDPOINT:
                continue
            per_endpoint[endpoint] += 1
            forms[form.action] = (form, endpoint, args)
    client = zone.clients[name]
    results = {}
    before_digests = table_digests()
    for action, (form, endpoint, args) in sorted(forms.items()):
        before = audit_count()
        try:
            response = client.post(action, data=MultiDict(form.fields),
                                   content_type="multipart/form-data" if form.multipart else None)
        except Exception as error:  # noqa: BLE001
            results[action] = [f"{type(error).__name__}: {error}"]
            continue
        problems = []
        status = response.status_code
        changed = audit_count() != before
        on_a_record = any(isinstance(value, int) for value in args.values())
        if status >= 500:
            problems.append(f"server error {status}")
        elif name == ANONYMOUS:
            if not (_is_login_redirect(response) or status in (400, *REFUSED)):
                problems.append(f"anonymous answered {status}")
        elif on_a_record and status not in REFUSED:
            record_page, offers = record_page_of(zone, name, action)
            if action in offers:
                continue  # the record's page offers this user the action: theirs to take
            if record_page is None:
                problems.append(f"not refused: {status} {response.headers.get('Location', '')}")
            elif changed:
                problems.append(f"took an action {record_page} does not offer")
        if changed:
            problems.append("the audit trail grew: something changed")
        results[action] = problems
    after_digests = table_digests()
    changed = sorted(table for table, digest in after_digests.items() if before_digests.get(table) != digest)
    if changed:
        results["(database)"] = [f"tables changed while {name} replayed others' forms: {changed}"]
    if name != ANONYMOUS and zone.clients[name].get("/home").status_code != 200:
        zone.relogin(name)
    cache[name] = results
    return results


@pytest.mark.parametrize("pair", POST_PAIRS, ids=pair_id)
def test_forms_one_user_saw_are_refused_to_another_and_change_nothing(zone, pair):
    owner, other = pair
    replays = post_replays(zone, other)
    mine = {form.action for form in zone.walk_of(owner).post_forms.values()}
    problems = {action: found for action, found in replays.items()
                if (action in mine or action == "(database)") and found}
    assert problems == {}, f"{owner}'s forms sent by {other}"


# --- 5. mass assignment: fields a form does not offer change nothing -----------------------------------------

PROTECTED = ("status", "organisation_id", "company_id", "platform_id", "partner_id", "recipient_id", "host_id",
             "role", "user_id", "applicant_id", "owner_id", "created_by_id", "verified_by_id", "decided_by_id",
             "is_enabled", "verified", "version")
NOT_SENT = ("auth.logout", "main.set_language", "auth.change_password", "importer.index")
# Choices a manager's form offers (their platforms, their companies): sent with another tenant's id instead.
OFFERED_IDS = ("platform_id", "organisation_id", "company_id", "recipient_id")


def injected_fields(zone, name) -> dict[str, object]:
    """Values a user must not be able to set: another tenant's company, a platform they do not manage,
    another user, the administrator role, a verified status, a disabled account, a far version."""
    from incubator.platforms.models import Platform, platform_managers

    user = zone.users[name]
    other_founder = zone.users["founder" if name == "founder2" else "founder2"]
    mine = set(db.session.scalars(select(platform_managers.c.platform_id).where(
        platform_managers.c.user_id == user.id)))
    platform = max(i for i in db.session.scalars(select(Platform.id)) if i not in mine)
    someone = zone.users["manager2" if name != "manager2" else "manager"]
    db.session.rollback()
    company = other_founder.organisation_id if name == "admin" else foreign_ids(zone, name, "organisation_id")[0]
    return {"status": "verified", "organisation_id": company, "company_id": company, "partner_id": company,
            "recipient_id": company, "host_id": company, "platform_id": platform, "role": "admin",
            "user_id": someone.id, "applicant_id": someone.id, "owner_id": someone.id, "created_by_id": someone.id,
            "verified_by_id": someone.id, "decided_by_id": someone.id, "is_enabled": False, "verified": True,
            "version": 999}


def protected_cells() -> dict[tuple, object]:
    """(table, primary key, column) -> value for every protected column of every table."""
    cells = {}
    for table in db.metadata.sorted_tables:
        columns = [table.c[name] for name in PROTECTED if name in table.c]
        if not columns or table.name in VOLATILE:
            continue
        keys = list(table.primary_key.columns)
        for row in db.session.execute(select(*keys, *columns)):
            key = tuple(row[:len(keys)])
            for column, value in zip(columns, row[len(keys):]):
                cells[(table.name, key, column.name)] = value
    db.session.rollback()
    return cells


def _matches(value, injected) -> bool:
    if value is None:
        return False
    if isinstance(injected, bool):
        return value in (0, 1) and bool(value) is injected
    return str(value) == str(injected)


def mass_assignment(zone, name) -> tuple[dict[str, list[str]], int]:
    """Send every data-entry form ``name`` saw (one per endpoint) with the protected fields it does not
    offer (and, for a manager, another platform's or company's id in the platform and company choices it does
    offer); return action -> problems, and how many forms were sent."""
    injected = injected_fields(zone, name)
    client = zone.clients[name]
    per_endpoint = defaultdict(int)
    problems, sent = {}, 0
    after = protected_cells()
    for form in sorted(zone.walk_of(name).post_forms.values(), key=lambda f: f.action):
        endpoint, _args = endpoint_of(zone.adapter, form.action, "POST")
        if not form.data_entry or endpoint is None or endpoint in NOT_SENT or "delete" in endpoint or "password" in endpoint \
                or endpoint.startswith("auth.mfa") or per_endpoint[endpoint] >= 1:
            continue
        per_endpoint[endpoint] += 1
        extra = {key: ("0" if value is False else "1" if value is True else str(value))
                 for key, value in injected.items() if key not in form.offered}
        data = MultiDict(form.fields)
        if name.startswith("manager"):
            for key in OFFERED_IDS:
                if key in form.offered:
                    data.setlist(key, [str(injected[key])])
                    extra[key] = str(injected[key])
        for key, value in extra.items():
            data.add(key, value)
        before = after
        response = client.post(form.action, data=data,
                               content_type="multipart/form-data" if form.multipart else None)
        sent += 1
        zone.mass_statuses[name].append((form.action, response.status_code))
        after = protected_cells()
        found = []
        if response.status_code >= 500:
            found.append(f"server error {response.status_code}")
        for cell, value in after.items():
            column = cell[2]
            if column in extra and before.get(cell, object()) != value and _matches(value, injected[column]):
                found.append(f"{cell[0]} {cell[1]}: {column} became {value!r}")
        if found:
            problems[form.action] = found
    return problems, sent


@pytest.mark.parametrize("name", list(USERS))
def test_fields_a_form_does_not_offer_change_nothing(zone, name):
    problems, sent = mass_assignment(zone, name)
    assert problems == {}
    assert sent >= (1 if name in ("reviewer", "partner") else 2), "too few forms to prove anything"

