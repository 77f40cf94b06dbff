"""Member profiles: username, join date, post count and recent posts; never the email."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..services import members

bp = Blueprint("members", __name__)


@bp.get("/u/<username>")
def profile(username):
    """A member's public profile, with their posts a page at a time."""
    user, page = members.profile(username, current_user, request.args.get("page"))
    return render_template("members/profile.html", member=user, page=page)


@bp.get("/u/<username>/topics")
def topics(username):
    """The topics a member started, a page at a time."""
    user, page = members.topics_started(username, current_user, request.args.get("page"))
    return render_template("members/topics.html", member=user, page=page)
