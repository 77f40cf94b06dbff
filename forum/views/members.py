"""Member profiles: username, join date, post count and recent posts; never the email."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..services import members

bp = Blueprint("members", __name__)


@bp.get("/u/<username>")
def profile(username):
    """A member's public profile."""
    user, posts = members.profile(username, current_user)
    return render_template("members/profile.html", member=user, posts=posts)
