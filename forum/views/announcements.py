"""Announcements: the public page, one announcement, the Atom feed, and unsubscribing."""

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from ..extensions import csrf, db
from ..links import site_url
from ..services import ServiceError
from ..services import announcements as announcements_service
from .feeds import Entry, atom_response

bp = Blueprint("announcements", __name__)


@bp.get("/announcements")
def index():
    """The latest announcements, newest first."""
    return render_template("announcements/index.html", announcements=announcements_service.latest())


@bp.get("/announcements/<int:announcement_id>")
def show(announcement_id):
    """One announcement, at its permanent address."""
    announcement = announcements_service.get(announcement_id)
    return render_template("announcements/show.html", announcement=announcement)


@bp.get("/announcements.atom")
def feed():
    """The latest announcements as an Atom feed (RFC 4287)."""
    entries = [
        Entry(
            id=(permalink := site_url("announcements.show", announcement_id=a.id)),
            title=a.title,
            link=permalink,
            published=a.created_at,
            updated=a.created_at,
            html=a.html,
        )
        for a in announcements_service.latest()
    ]
    title = _("%(site)s: announcements", site=current_app.config["SITE_NAME"])
    return atom_response(title, site_url("announcements.index"), entries)


def _no_store(page: str, status: int = 200):
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    # The token in the address never goes out as a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# No CSRF token and no origin check: RFC 8058's one-click POST comes from a mail provider,
# without a session, a form token or an Origin. The random token is the authority, and the
# only thing it can do is turn announcement mail off.
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """GET shows one button (mail scanners fetch links); POST stops announcement mail."""
    try:
        announcements_service.check_unsubscribe_token(token)
    except ServiceError as exc:
        return _no_store(render_template("announcements/bad_link.html", message=exc.message), 400)
    if request.method == "GET":
        return _no_store(render_template("announcements/unsubscribe.html"))
    announcements_service.unsubscribe(token)
    db.session.commit()
    return _no_store(render_template("announcements/unsubscribed.html"))
