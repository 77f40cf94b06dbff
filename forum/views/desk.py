"""The desk: the staff's home page, with what waits for them."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..security import staff_required
from ..services import disclosure, reports, support_desk

bp = Blueprint("desk", __name__, url_prefix="/staff")


@bp.get("")
@staff_required
def index():
    """Where staff start: what waits for them, and their pages."""
    return render_template(
        "staff/desk.html",
        open_reports=reports.open_report_count(),
        new_requests=support_desk.count_new(current_user),
        can_reveal=disclosure.can_see_personal(current_user),
    )
