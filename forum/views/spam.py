"""Spam: removing a spammer in one action, after a page that lists exactly what will go."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..forms.spam import RemoveForm
from ..security import staff_required
from ..services import NotFound, sanctions, spam
from .actions import run, send_mail_after_response

bp = Blueprint("spam", __name__, url_prefix="/staff")

DELETE_CHOICE = SelectChoice("delete", _l("Delete it (admins only; it cannot be undone)"))


def _form():
    form = RemoveForm(prefix="remove")
    if current_user.is_admin:
        form.account.choices = [*form.account.choices, DELETE_CHOICE]
    return form


def _gone_already():
    """A second submit after the account was deleted (or while it was): done already."""
    flash(_("There is no account by that name any more: nothing was left to remove."))
    return redirect(url_for("sanctions.members"), code=303)


@bp.route("/members/<username>/remove", methods=["GET", "POST"])
@staff_required
def remove(username):
    """GET lists everything that removing the member would delete; POST does it."""
    try:
        member = sanctions.member_for_staff(username)
    except NotFound:
        if request.method == "POST":
            return _gone_already()
        raise
    plan = spam.plan(member, current_user)
    form = _form()
    if request.method == "GET":
        form.digest.data = plan.digest
        return render_template("staff/spam/remove.html", member=member, plan=plan, form=form)
    account = form.account.data
    try:
        done, gone = run(
            form,
            lambda f: spam.remove(
                member, current_user, f.account.data, f.reason.data, f.digest.data
            ),
        )
    except NotFound:
        db.session.rollback()
        return _gone_already()
    if not done:
        member = sanctions.member_for_staff(username)
        plan = spam.plan(member, current_user)
        form.digest.data = plan.digest
        page = render_template("staff/spam/remove.html", member=member, plan=plan, form=form)
        return page, 422
    send_mail_after_response()
    flash(
        _(
            "Removed: %(topics)s, %(posts)s and %(pictures)s; the account is %(account)s.",
            topics=ngettext("%(num)d topic", "%(num)d topics", len(gone.topics)),
            posts=ngettext(
                "%(num)d post in other topics", "%(num)d posts in other topics", len(gone.post_ids)
            ),
            pictures=ngettext("%(num)d picture", "%(num)d pictures", len(gone.picture_ids)),
            account=_("deleted") if account == "delete" else _("suspended"),
        )
    )
    if account == "delete":
        return redirect(url_for("sanctions.members"), code=303)
    return redirect(url_for("sanctions.member", username=member.username), code=303)
