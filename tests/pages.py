"""The text a reader sees on a page, for assertions about what a page shows.

A substring assert on raw HTML can pass or fail by accident: a short code such as ``B1`` or a number such
as ``777`` may sit inside a CSRF token, a session-bound URL, an asset's hash or an attribute. Assert on
``page_text(response)`` instead: text nodes and what visible form fields hold, entities decoded, runs of
white space made one space; tags, attributes, comments, scripts, styles and hidden fields left out.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

_INVISIBLE = {"script", "style", "template"}
# Elements that start a new line or cell when shown: their edges separate words.
_BLOCKS = {"address", "article", "aside", "br", "caption", "dd", "div", "dl", "dt", "fieldset", "footer", "form",
           "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label", "legend", "li", "main", "nav", "ol",
           "option", "p", "section", "select", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "tr",
           "ul", "button"}
_VALUE_SHOWN = {"text", "search", "email", "number", "tel", "url", "date", "datetime-local", "month", "time",
                "week", "submit", "button", "reset"}


class _TextReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._invisible_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in _INVISIBLE:
            self._invisible_depth += 1
        elif tag == "input":
            values = dict(attrs)
            if (values.get("type") or "text").lower() in _VALUE_SHOWN and values.get("value"):
                self.parts.append(f" {values['value']} ")
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _INVISIBLE and self._invisible_depth:
            self._invisible_depth -= 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._invisible_depth:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The visible text of an HTML string (see the module's docstring)."""
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    return re.sub(r"\s+", " ", "".join(reader.parts)).strip()


def page_text(response) -> str:
    """The visible text of a test client's HTML response (see the module's docstring)."""
    return html_text(response.get_data(as_text=True))
