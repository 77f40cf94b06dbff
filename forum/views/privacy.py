"""The privacy policy, in plain words, saying exactly what the software does."""

from flask import Blueprint, render_template

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def policy():
    """The privacy policy."""
    return render_template("privacy/policy.html")
