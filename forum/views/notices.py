"""Notices: a member marks their moderation notices read, and chooses mail or not."""

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms.notices import NoticeMailForm, NoticesReadForm
from ..security import member_required
from ..services import notices

bp = Blueprint("notices", __name__)


@bp.post("/account/notices/read")
@member_required
def mark_read():
    """The member has seen their notices: the count in the header goes."""
    if NoticesReadForm().validate_on_submit():
        notices.mark_read(current_user)
        db.session.commit()
    return redirect(url_for("accounts.account", _anchor="notices-heading"), code=303)


@bp.post("/account/notices/mail")
@member_required
def change_mail():
    """Moderation notices by mail too, or on the site only (the default)."""
    form = NoticeMailForm()
    if form.validate_on_submit():
        notices.set_notice_mail(current_user, form.notice_mail.data)
        db.session.commit()
        flash(_("Saved."))
    return redirect(url_for("accounts.account"), code=303)
