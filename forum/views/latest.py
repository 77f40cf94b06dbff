"""Latest (every category's topics by last activity, for everyone, cached like a category
page) and Unread (a member's topics with posts they have not seen)."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..audience import render_marked
from ..security import member_required
from ..services import latest, reading
from .forum import _page_for

bp = Blueprint("latest", __name__)


@bp.get("/latest")
def latest_topics():
    """Every category's topics, latest activity first, in pages."""
    categories, revisions, topics = latest.latest_head()
    number = latest.latest_page_number(topics, request.args.get("page"))

    def render():
        page = latest.latest_page(topics, number)
        return render_marked("latest/latest.html", page=page)

    member = current_user._get_current_object()
    return _page_for(
        ("latest", categories, revisions, number),
        render,
        seen_of=lambda topic_ids: reading.seen_positions(member, topic_ids),
    )


@bp.get("/unread")
@member_required
def unread():
    """The topics you opened that have posts you have not seen yet."""
    page = latest.unread_page(current_user, request.args.get("page"))
    return render_template("latest/unread.html", page=page, first_unread=latest.first_unread_page)
