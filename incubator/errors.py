"""Localized error pages; nothing half-written survives an error."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Not found"), _l("This page does not exist, or you may not see it.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    409: (_l("Changed meanwhile"), _l("Someone else changed this record at the same moment. Nothing of yours was "
                                      "saved; go back, reload the page to see the current values and try again.")),
    413: (_l("Too large"), _l("What you sent is larger than this page accepts. Please send a smaller file.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    500: (_l("Server error"), _l("Something went wrong on our side. Nothing was saved; please try again.")),
}


def render_error(code: int, detail=None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        db.session.rollback()
        app.logger.info("csrf refused: %s %s", request.method, request.path)
        return render_error(400, _l("This form has expired or was not sent from this site. "
                                    "Please reload the page and try again."))

    @app.errorhandler(StaleDataError)
    def stale_record(error):
        # A versioned record changed between reading it and writing it (see versioning.py): a conflict,
        # not a server error.
        db.session.rollback()
        app.logger.info("concurrent change refused: %s %s", request.method, request.path)
        return render_error(409)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        if request.blueprint is None and request.path.startswith("/api/"):
            # Routing refused the URL before the API blueprint was chosen (an id beyond the bounded id
            # converter): the API still answers in problem details, not with the web's HTML page.
            from .api.problems import handle_http_exception

            return handle_http_exception(error)
        if error.code in MESSAGES:
            # A refusal that says what was wrong (url_arguments.BadQueryArgument) shows its own message.
            return render_error(error.code, getattr(error, "user_message", None))
        return error

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        db.session.rollback()
        if app.testing and not app.config.get("RENDER_SERVER_ERRORS"):
            raise error  # tests see the traceback
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
