"""A crawler for the test client, shared by the translation crawl (tests/test_i18n.py) and the access-control
walk (tests/security/test_access_walk.py): the app's GET routes without arguments, the links and forms of a
page, and a breadth-first walk that follows links and GET forms and records POST forms without sending them."""
from __future__ import annotations

import io
import json
from collections import deque
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from werkzeug.exceptions import HTTPException

# Endpoints a walk never follows: they end the session or only switch the language.
NEVER_FOLLOW = ("auth.logout", "main.set_language")


def is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static") or endpoint.startswith("bootstrap.")


def crawlable_urls(app, skip_words=("logout", "download", "export")) -> list[str]:
    """Every GET route of ``app`` that takes no argument (static files and ``skip_words`` left out)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in rule.methods or is_static(rule.endpoint):
            continue
        if any(word in rule.endpoint for word in skip_words):
            continue
        urls.append(rule.rule)
    return sorted(urls)


# --- what a page offers ---------------------------------------------------------------------------------

@dataclass
class Form:
    action: str  # path and query, resolved against the page
    method: str  # "GET" or "POST"
    fields: list[tuple[str, str]] = field(default_factory=list)  # what the browser would send by default
    offered: set[str] = field(default_factory=set)  # every field name the form offers (whatever its state)
    data_entry: bool = False  # has something to type or choose (not only hidden fields and buttons)
    multipart: bool = False
    page: str = ""  # the page it was found on

    def key(self) -> tuple:
        return (self.method, self.action, tuple(sorted(self.offered)))


class PageParser(HTMLParser):
    """Links (``<a href>``) and forms of an HTML page, each form with the values it would submit as is."""

    ENTRY_TYPES = {"text", "number", "date", "datetime-local", "email", "tel", "url", "password", "search",
                   "month", "time", "file", "checkbox", "radio", "textarea", "select"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "form":
            self._form = {"action": attributes.get("action", ""), "method": attributes.get("method", "get").upper(),
                          "enctype": attributes.get("enctype", ""), "fields": [], "offered": set(), "entry": False,
                          "buttons": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            name, kind = attributes.get("name"), attributes.get("type", "text").lower()
            if not name:
                return
            self._form["offered"].add(name)
            if kind in self.ENTRY_TYPES:
                self._form["entry"] = True
            if kind in ("submit", "button", "image", "reset"):
                self._form["buttons"].append((name, attributes.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._form["fields"].append((name, attributes.get("value", "on")))
            elif kind != "file" and "disabled" not in attributes:
                self._form["fields"].append((name, attributes.get("value", "")))
        elif tag == "button":
            name = attributes.get("name")
            if name and attributes.get("type", "submit").lower() == "submit":
                self._form["offered"].add(name)
                self._form["buttons"].append((name, attributes.get("value", "")))
        elif tag == "select" and attributes.get("name"):
            self._select = {"name": attributes["name"], "multiple": "multiple" in attributes, "first": None,
                            "chosen": []}
            self._form["offered"].add(attributes["name"])
            self._form["entry"] = True
        elif tag == "option" and self._select is not None:
            value = attributes.get("value")
            self._select["_pending"] = (value, "selected" in attributes)
            if value is not None:
                self._take_option(value, "selected" in attributes)
        elif tag == "textarea" and attributes.get("name"):
            self._textarea = {"name": attributes["name"], "text": []}
            self._form["offered"].add(attributes["name"])
            self._form["entry"] = True

    def _take_option(self, value, selected):
        select = self._select
        select.pop("_pending", None)
        if select["first"] is None:
            select["first"] = value
        if selected:
            select["chosen"].append(value)

    def handle_data(self, data):
        if self._select is not None and self._select.get("_pending"):
            value, selected = self._select["_pending"]
            if value is None:
                self._take_option(data.strip(), selected)
        if self._textarea is not None:
            self._textarea["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            if self._form is not None and self._form["buttons"]:
                self._form["fields"].append(self._form["buttons"][0])  # the first submit button is pressed
            self._form = None
        elif tag == "select" and self._select is not None:
            select = self._select
            chosen = select["chosen"] if select["multiple"] else (select["chosen"][-1:] or
                                                                   ([select["first"]] if select["first"] is not None else []))
            if self._form is not None:
                self._form["fields"].extend((select["name"], value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form["fields"].append((self._textarea["name"], "".join(self._textarea["text"]).lstrip("\n")))
            self._textarea = None


def page_links_and_forms(html: str, page_url: str) -> tuple[list[str], list[Form]]:
    parser = PageParser()
    parser.feed(html)
    links = [urljoin(page_url, unescape(href)) for href in parser.links]
    forms = []
    for raw in parser.forms:
        action = urljoin(page_url, raw["action"]) if raw["action"] else page_url
        forms.append(Form(action=local_url(action) or action, method="POST" if raw["method"] == "POST" else "GET",
                          fields=raw["fields"], offered=raw["offered"], data_entry=raw["entry"],
                          multipart="multipart" in raw["enctype"], page=page_url))
    return links, forms


def local_url(url: str) -> str | None:
    """``/path?sorted=query`` for a link into the app; None for another site, mailto:, javascript: ..."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != "localhost"):
        return None
    if not parts.path.startswith("/"):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def endpoint_of(adapter, url: str, method: str = "GET"):
    """(endpoint, view arguments) of a local URL, or (None, {}) when no route answers it."""
    try:
        return adapter.match(urlsplit(url).path, method=method)
    except HTTPException:
        return None, {}
    except Exception:  # a redirect for a missing slash, and the like
        return None, {}


# --- the text of any response -----------------------------------------------------------------------------

def response_text(response) -> str:
    """What a reader of the response could find in it: HTML and text as is (entities decoded), JSON with its
    non-ASCII characters unescaped, every cell of a spreadsheet. PDF and images: nothing (binary)."""
    mimetype = response.mimetype or ""
    data = response.get_data()
    if mimetype == "application/json" or mimetype.endswith("+json"):
        try:
            return json.dumps(json.loads(data), ensure_ascii=False)
        except ValueError:
            return data.decode("utf-8", "replace")
    if "spreadsheetml" in mimetype or data[:2] == b"PK" and mimetype == "application/octet-stream":
        return spreadsheet_text(data)
    if mimetype.startswith("text/") or mimetype in ("application/xml", "application/javascript", "text/csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return unescape(data.decode(encoding))
            except UnicodeDecodeError:
                continue
    return ""


def spreadsheet_text(data: bytes) -> str:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not a workbook after all
        return ""
    cells = []
    for sheet in workbook.worksheets:
        cells.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(value) for value in row if value is not None)
    workbook.close()
    return "\n".join(cells)


# --- the walk ---------------------------------------------------------------------------------------------

@dataclass
class Visit:
    url: str
    endpoint: str | None
    args: dict
    status: int
    mimetype: str
    location: str = ""


@dataclass
class Walk:
    """What one user reached: the GET pages (by URL), and the POST forms seen (not sent)."""

    visits: dict[str, Visit] = field(default_factory=dict)
    post_forms: dict[tuple, Form] = field(default_factory=dict)
    get_forms: dict[tuple, Form] = field(default_factory=dict)  # filters and searches (sent with defaults)
    errors: list[str] = field(default_factory=list)

    def reached(self, status: int = 200) -> set[str]:
        return {url for url, visit in self.visits.items() if visit.status == status}

    def endpoints(self, status: int = 200) -> set[str]:
        return {visit.endpoint for visit in self.visits.values() if visit.status == status and visit.endpoint}


def walk(client, app, start: list[str], *, per_endpoint: int = 3, per_page: int = 2, limit: int = 1500,
         skip=lambda url, endpoint: False, inspect=None) -> Walk:
    """Breadth-first from ``start``: follow links and GET forms (submitted with their defaults), record POST
    forms. At most ``per_endpoint`` different records (view arguments) per endpoint and ``per_page`` query
    strings per record, so a big zone costs no more than a small one. ``inspect(visit, response)`` sees every
    answer (to look for what must not be there)."""
    adapter = app.url_map.bind("localhost")
    result = Walk()
    queue = deque()
    records: dict[str, set] = {}
    variants: dict[tuple, int] = {}
    seen: set[str] = set()

    def enqueue(url):
        url = local_url(url)
        if url is None or url in seen:
            return
        seen.add(url)
        endpoint, args = endpoint_of(adapter, url)
        if endpoint is None or is_static(endpoint) or endpoint in NEVER_FOLLOW or skip(url, endpoint):
            return
        record = tuple(sorted(args.items()))
        known = records.setdefault(endpoint, set())
        if record not in known and len(known) >= per_endpoint:
            return
        if variants.get((endpoint, record), 0) >= per_page:
            return
        known.add(record)
        variants[(endpoint, record)] = variants.get((endpoint, record), 0) + 1
        queue.append((url, endpoint, args))

    for url in start:
        enqueue(url)
    while queue and len(result.visits) < limit:
        url, endpoint, args = queue.popleft()
        try:
            response = client.get(url)
        except Exception as error:  # noqa: BLE001 - in testing an unhandled error propagates: report it
            result.errors.append(f"GET {url}: {type(error).__name__}: {error}")
            continue
        visit = Visit(url, endpoint, args, response.status_code, response.mimetype or "",
                      response.headers.get("Location", ""))
        result.visits[url] = visit
        if inspect is not None:
            inspect(visit, response)
        if response.status_code >= 500:
            result.errors.append(f"GET {url}: {response.status_code}")
        if response.status_code in (301, 302, 303, 307, 308) and visit.location:
            enqueue(urljoin(url, visit.location))
        if response.status_code != 200 or visit.mimetype != "text/html":
            continue
        links, forms = page_links_and_forms(response.get_data(as_text=True), url)
        for link in links:
            enqueue(link)
        for form in forms:
            if form.method == "GET":
                result.get_forms.setdefault(form.key(), form)
                # A browser replaces the action's query string with the form's fields.
                path = urlsplit(form.action).path
                enqueue(path + (f"?{urlencode(form.fields)}" if form.fields else ""))
            else:
                result.post_forms.setdefault(form.key(), form)
    return result
