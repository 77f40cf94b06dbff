"""Transparency: the public report of requests for members' data and staff reveals, its
feed, and the admins' record of each disclosure outside the staff."""

from datetime import date, datetime

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from ..forms.transparency import DisclosureForm
from ..links import site_url
from ..models import utcnow
from ..security import admin_required
from ..services import disclosure, transparency
from ..services import transparency_report as reports
from .actions import run, send_mail_after_response
from .feeds import Entry, atom_response

bp = Blueprint("transparency", __name__)


@bp.get("/transparency")
def report():
    """Per half-year: requests for members' data, their outcomes, members affected, reveals."""
    raw = request.args.get("half")
    if raw is None:
        rows = reports.report()
    else:
        half = reports.parse_half(raw)
        if half is None:
            abort(400, _("A half-year is written like 2026-H1 (January to June) or 2026-H2."))
        one = reports.for_half(half)
        if one is None:
            abort(404, _("That half-year has not begun."))
        rows = [one]
    return render_template(
        "transparency/report.html",
        rows=rows,
        one=raw is not None,
        folded=reports.folded(),
        fold_below=reports.FOLD_BELOW,
    )


def _summary(row: reports.HalfCounts) -> str:
    """A half-year's counts as the HTML of a feed entry (escaped by the feed's template)."""
    n = reports.shown
    items = [
        _("Requests received: %(n)s", n=n(row.requests)),
        _("Complied with in full: %(n)s", n=n(row.full)),
        _("Complied with in part: %(n)s", n=n(row.partial)),
        _("Refused: %(n)s", n=n(row.refused)),
        _("Members whose data was handed over: %(n)s", n=n(row.members)),
        _("Staff reveals of an email or IP address: %(n)s", n=n(row.reveals)),
    ]
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def half_title(half: reports.Half) -> str:
    if half.part == 1:
        return _("January to June %(year)d", year=half.year)
    return _("July to December %(year)d", year=half.year)


@bp.get("/transparency.atom")
def feed():
    """The transparency report, one entry per half-year."""
    rows = reports.report()[: current_app.config["FEED_ENTRIES"]]
    entries = [
        Entry(
            id=site_url("transparency.report", half=row.half.key),
            title=half_title(row.half) + (_(" (so far)") if row.current else ""),
            link=site_url("transparency.report", half=row.half.key),
            published=_midnight(row.half.start),
            updated=row.updated or _midnight(row.half.start),
            html=_summary(row),
        )
        for row in rows
    ]
    return atom_response(
        _("%(site)s: transparency report", site=current_app.config["SITE_NAME"]),
        site_url("transparency.report"),
        entries,
    )


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


@bp.route("/staff/disclosures", methods=["GET", "POST"])
@admin_required
def disclosures():
    """Admins record a request for a member's data, and hand over what it gets."""
    form = DisclosureForm()
    if request.method == "GET":
        form.received_on.data = utcnow().date()
    done, result = run(form, lambda f: transparency.record_disclosure(current_user, _draft(f)))
    if done:
        send_mail_after_response()
        form = DisclosureForm(formdata=None, received_on=utcnow().date())
    page = transparency.records_page(current_user, request.args.get("page"))
    body = render_template(
        "staff/transparency/disclosures.html",
        form=form,
        page=page,
        recorded=result,
        can_reveal=disclosure.can_see_personal(current_user),
        field_names=transparency.FIELD_NAMES,
        kind_names=transparency.KIND_NAMES,
    )
    status = 422 if request.method == "POST" and not done else 200
    # The values handed over are on this page once: never kept by a browser or a proxy.
    return body, status, {"Cache-Control": "no-store"}


def _draft(form: DisclosureForm) -> transparency.DisclosureDraft:
    return transparency.DisclosureDraft(
        member_name=form.member.data or "",
        kind=form.kind.data or "",
        requester=form.requester.data or "",
        basis=form.basis.data or "",
        received_on=form.received_on.data,
        fields_asked=list(form.fields_asked.data or []),
        fields_given=list(form.fields_given.data or []),
        notify_after=form.notify_after.data,
    )
