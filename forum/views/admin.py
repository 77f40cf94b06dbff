"""Admin: categories, publishing the privacy policy, publishing announcements."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms.admin import ArchiveForm, CategoryForm
from ..forms.announcements import AnnouncementForm
from ..forms.privacy import PolicyForm
from ..security import admin_required
from ..services import ServiceError, announcements, categories, privacy
from .actions import act, run, send_mail_after_response

bp = Blueprint("admin", __name__, url_prefix="/staff")


def _categories_page(new_form=None, failed=None, failed_form=None):
    rows = categories.all_categories()
    forms = {
        c.id: failed_form
        if failed == c.id and failed_form is not None
        else CategoryForm(prefix=f"c{c.id}", obj=c)
        for c in rows
    }
    return render_template(
        "staff/admin/categories.html",
        categories=rows,
        forms=forms,
        new_form=new_form or CategoryForm(prefix="new"),
    )


@bp.route("/categories", methods=["GET", "POST"], endpoint="categories")
@admin_required
def categories_page():
    """Admins create, rename, describe, reorder and archive categories."""
    if request.method == "GET":
        return _categories_page()
    return act(
        CategoryForm(prefix="new"),
        lambda f: categories.create_category(
            current_user, f.name.data, f.description.data, f.topic_starters.data
        ),
        _("The category is created."),
        url_for("admin.categories"),
        lambda f: _categories_page(new_form=f),
    )


@bp.post("/categories/<int:category_id>")
@admin_required
def update_category(category_id):
    """Rename, describe or reorder one category."""
    return act(
        CategoryForm(prefix=f"c{category_id}"),
        lambda f: categories.update_category(
            current_user,
            categories.category_by_id(category_id),
            f.name.data,
            f.description.data,
            f.position.data or 0,
            topic_starters=f.topic_starters.data,
        ),
        _("The category is saved."),
        url_for("admin.categories"),
        lambda f: _categories_page(failed=category_id, failed_form=f),
    )


@bp.post("/categories/<int:category_id>/<any(archive, unarchive):change>")
@admin_required
def archive_category(category_id, change):
    """Archive a category (readable, closed to new writing) or open it again."""
    category = categories.category_by_id(category_id)
    form = ArchiveForm()
    if not form.validate_on_submit():
        return _categories_page(), 422
    try:
        categories.set_category_archived(
            current_user, category, change == "archive", form.reason.data
        )
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message)
    else:
        db.session.commit()
        flash(_("The category is archived.") if change == "archive" else _("The category is open."))
    return redirect(url_for("admin.categories"), code=303)


@bp.route("/privacy", methods=["GET", "POST"])
@admin_required
def privacy_policy():
    """Admins publish a new version of the privacy policy, starting from the current text."""
    current = privacy.current_version()
    form = PolicyForm(data={"body": current.body} if request.method == "GET" else None)
    done, policy = run(
        form, lambda f: privacy.publish_version(current_user, f.summary.data, f.body.data)
    )
    if done:
        flash(_("Version %(version)s of the privacy policy is published.", version=policy.version))
        return redirect(url_for("privacy.changes", number=policy.version), code=303)
    status = 422 if request.method == "POST" else 200
    page = render_template("staff/admin/privacy.html", form=form, current=privacy.current_version())
    return page, status


@bp.route("/announcements", methods=["GET", "POST"], endpoint="announcements")
@admin_required
def announcements_page():
    """Admins publish an announcement, on the page and feed, and by email if ticked; or
    preview its mail, or send that mail to themselves alone first."""
    form = AnnouncementForm()
    if form.preview_mail.data or form.send_test.data:
        return _announcement_trial(form)
    done, result = run(
        form,
        lambda f: announcements.publish(current_user, f.title.data, f.body.data, f.send_mail.data),
    )
    if done:
        announcement, queued = result
        if queued:
            send_mail_after_response()
        emailed = f" and is on its way to {queued} members by email" if queued else ""
        flash(_("The announcement is published%(emailed)s.", emailed=emailed))
        return redirect(url_for("announcements.show", announcement_id=announcement.id), code=303)
    status = 422 if request.method == "POST" else 200
    return _announcements_page(form), status


def _announcements_page(form, mail_preview=None):
    return render_template(
        "staff/admin/announcements.html",
        form=form,
        announcements=announcements.latest(),
        next_mailing_at=announcements.next_mailing_at(),
        mail_preview=mail_preview,
    )


def _announcement_trial(form):
    """The mail previewed on the page, or sent to the admin alone; nothing published."""
    if form.send_test.data:
        sent, _nothing = run(
            form, lambda f: announcements.send_test(current_user, f.title.data, f.body.data)
        )
        if not sent:
            return _announcements_page(form), 422
        send_mail_after_response()
        flash(_("A test of this announcement is on its way to your own address only."))
    done, preview = run(
        form, lambda f: announcements.mail_preview(current_user, f.title.data, f.body.data)
    )
    return _announcements_page(form, preview), 200 if done else 422
