"""Notices: the member's notifications, marking them read, mail per kind, the private feed,
and the one-click unsubscribe of notification mail."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import csrf, db
from ..forms.notices import (
    FeedForm,
    NoticeMailForm,
    NoticesReadForm,
    NotificationMailForm,
)
from ..links import site_url
from ..models.notices import MAIL_CHOICES
from ..security import member_required
from ..services import ServiceError, notice_feed, notice_mail, notices
from .actions import run
from .feeds import Entry, atom_response

bp = Blueprint("notices", __name__)


def _mail_form(formdata=None) -> NotificationMailForm:
    user = current_user
    return NotificationMailForm(
        formdata=formdata,
        replies=user.mail_replies,
        mentions=user.mail_mentions,
        watched=user.mail_watched,
        mail_text=user.mail_text,
        auto_watch=user.auto_watch,
    )


def _page(mail_form=None, feed_address=None, status=200):
    response = current_app.make_response(
        (
            render_template(
                "notices/list.html",
                items=notices.notices_for(current_user),
                read_form=NoticesReadForm(),
                mail_form=mail_form or _mail_form(),
                feed_form=FeedForm(),
                feed_address=feed_address,
                title=notice_title,
            ),
            status,
        )
    )
    if feed_address:
        # The secret is shown once: never kept by a cache, never sent on as a Referer.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/notifications")
@member_required
def index():
    """The member's notifications, newest first, with their mail and feed settings."""
    return _page()


@bp.post("/notifications/read")
@member_required
def read_all():
    """Mark every notification read: the count in the header goes."""
    if NoticesReadForm().validate_on_submit():
        notices.mark_read(current_user)
        db.session.commit()
    return redirect(url_for("notices.index"), code=303)


@bp.post("/notifications/mail")
@member_required
def change_notification_mail():
    """Mail per kind (never, at once, daily digest), the text or not, and auto-watching."""
    form = _mail_form(formdata=request.form)

    def save(f):
        choices = {c: getattr(f, c).data for c in MAIL_CHOICES}
        notice_mail.set_choices(current_user, choices, f.mail_text.data, f.auto_watch.data)

    done, _result = run(form, save)
    if done:
        flash(_("Saved."))
        return redirect(url_for("notices.index", _anchor="mail-heading"), code=303)
    return _page(mail_form=form, status=422)


@bp.post("/notifications/feed")
@member_required
def change_feed():
    """Make a new secret feed address (shown once), or turn the feed off."""
    form = FeedForm()
    if not form.validate_on_submit():
        return redirect(url_for("notices.index"), code=303)
    if form.turn_on.data:
        secret = notice_feed.turn_on(current_user)
        db.session.commit()
        return _page(feed_address=site_url("notices.feed", token=secret))
    notice_feed.turn_off(current_user)
    db.session.commit()
    flash(_("Your private feed is off: its address no longer works."))
    return redirect(url_for("notices.index", _anchor="feed-heading"), code=303)


@bp.get("/notifications/feed/<token>")
def feed(token):
    """The member's notifications as Atom, for a feed reader that cannot sign in."""
    member = notice_feed.member_for(token)
    if member is None:
        return current_app.response_class("Not found\n", status=404, mimetype="text/plain")
    entries = [
        Entry(
            id=site_url("notices.index") + f"#n{n.id}",
            title=notice_title(n),
            link=site_url("forum.post", post_id=n.post_id)
            if n.post_id
            else site_url("notices.index"),
            published=n.created_at,
            updated=n.created_at,
        )
        for n in notices.notices_for(member, limit=notice_feed.FEED_ENTRIES)
    ]
    title = _(
        "%(site)s: notifications for %(name)s",
        site=current_app.config["SITE_NAME"],
        name=member.username,
    )
    response = atom_response(title, site_url("notices.index"), entries)
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def notice_title(n) -> str:
    """What a notice says in one line (the page's template says the same)."""
    if n.text:
        return n.text
    name = n.actor.username if n.actor else _("a former member")
    topic = n.topic.title if n.topic else ""
    if n.kind in ("reply", "watched") and n.count > 1:
        return _("%(num)d new posts in “%(topic)s”", num=n.count, topic=topic)
    return {
        "reply": _("%(name)s replied to your topic “%(topic)s”", name=name, topic=topic),
        "quote": _("%(name)s quoted you in “%(topic)s”", name=name, topic=topic),
        "mention": _("%(name)s mentioned you in “%(topic)s”", name=name, topic=topic),
        "watched": _("%(name)s posted in “%(topic)s”", name=name, topic=topic),
    }.get(n.kind, topic)


def _no_store(page: str, status: int = 200):
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# No CSRF token and no origin check: RFC 8058's one-click POST comes from a mail provider,
# without a session, a form token or an Origin. The random token is the authority, and the
# only thing it can do is turn one kind of notification mail off.
@bp.route("/unsubscribe/<token>/<choice>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token, choice):
    """GET shows one button (mail scanners fetch links); POST stops this kind of mail."""
    try:
        notice_mail.check_unsubscribe(token, choice)
    except ServiceError as exc:
        return _no_store(render_template("announcements/bad_link.html", message=exc.message), 400)
    if request.method == "GET":
        return _no_store(render_template("notices/unsubscribe.html", choice=choice))
    notice_mail.unsubscribe(token, choice)
    db.session.commit()
    return _no_store(render_template("notices/unsubscribed.html", choice=choice))


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
