"""Member profiles: username, join date, post count and recent posts; never the email."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..services import NotFound
from ..services import members as service

bp = Blueprint("members", __name__)


@bp.get("/u/<username>")
def profile(username):
    """A member's public profile."""
    try:
        user, posts = service.profile(username, current_user)
    except NotFound as exc:
        abort(404, exc.message)
    return render_template("members/profile.html", member=user, posts=posts)
