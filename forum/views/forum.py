"""The public forum: index, categories, topics, posts, and writing them."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audience, i18n, pagecache
from ..audience import render_marked
from ..extensions import db, limiter
from ..forms import add_service_error
from ..forms.forum import DeletePostForm, EditPostForm, ReplyForm, TopicForm
from ..forms.reports import ReportForm
from ..security import client_ip, member_to_load, set_member, writer_required
from ..services import (
    Forbidden,
    NotFound,
    ServiceError,
    erasure,
    forum,
    heads,
    images,
    latest,
    notices,
    reading,
    reports,
    thanks,
)
from ..services.preview import formatting_note, render_preview
from .actions import run, send_mail_after_response

bp = Blueprint("forum", __name__)

# Posting is limited per member, whatever network they write from.
posting_limit = limiter.limit(
    lambda: current_app.config["LIMIT_POSTING"],
    methods=["POST"],
    key_func=lambda: f"member:{current_user.get_id()}",
    scope="posting",
)

editing_limit = limiter.limit(
    lambda: current_app.config["LIMIT_EDITING"],
    methods=["POST"],
    key_func=lambda: f"member:{current_user.get_id()}",
    scope="editing",
)


def _sends_picture() -> bool:
    file = request.files.get("image")
    return bool(file and file.filename)


# Requests carrying a picture count here too (per member, several app servers sharing it).
upload_limit = limiter.limit(
    lambda: current_app.config["LIMIT_UPLOADS"],
    methods=["POST"],
    key_func=lambda: f"member:{current_user.get_id()}",
    scope="uploads",
    exempt_when=lambda: not _sends_picture(),
)


def _take_picture(form) -> ServiceError | None:
    """Keep the picture sent with a form (committed at once, so a preview shows it) and add
    its Markdown to the text; the refusal, if any, for the form."""
    if request.method != "POST" or not _sends_picture():
        return None
    try:
        _, source = images.upload(current_user, form.image.data.read(), form.image_description.data)
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        db.session.rollback()
        return exc
    db.session.commit()
    form.body.data = ((form.body.data or "").rstrip() + "\n\n" + source).lstrip()
    form.image_description.data = ""
    return None


def _submitted(form) -> bool:
    """Take a picture the form carries, then validate it (the picture's refusal included)."""
    refusal = _take_picture(form)
    submitted = form.validate_on_submit()
    if refusal is not None:
        add_service_error(form, refusal)
        return False
    return submitted


def _page_for(key: tuple, render, **facts) -> str:
    """The page under `key` for the viewer's audience, rendered once and cached (when the
    page cache is on), with the viewer's own parts filled in (see forum/audience.py).

    `render` returns the page with its markers kept; `facts` are what `audience.fill`
    needs to resolve them for this member.
    """
    pages = pagecache.cache()
    if pages is None:
        return audience.fill(render(), **facts)
    key = (*key, *i18n.variant(), audience.audience(current_user))
    page = pages.get(key)
    if page is None:
        page = render()
        pages.put(key, page)
    return audience.fill(page, **facts)


def _preview(form) -> str | None:
    """The post's Markdown rendered for a preview, or None with the reason on the form."""
    try:
        html = render_preview(form.body.data)
    except ServiceError as exc:
        add_service_error(form, exc)
        return None
    # A text too costly to format is kept as written: the writer is told before posting.
    form.body.description = formatting_note(form.body.data) or form.body.description
    return html


def _status(preview: str | None) -> int:
    """A preview is a page like any other; a form sent back with errors is a 422."""
    return 422 if request.method == "POST" and preview is None else 200


def _head_for_viewer(alone, with_member, key):
    """A page's head (services/heads.py) for the request's viewer. While the session's
    member is not loaded, they are read in the head's own query and become current_user."""
    session_key = member_to_load()
    if session_key is not None:
        member, head = with_member(key, session_key)
        set_member(member)
        if member is not None:
            return head
    return alone(key, current_user._get_current_object())


def topic_url(topic, **kwargs) -> str:
    return url_for("forum.topic", topic_id=topic.id, slug=topic.slug, **kwargs)


@bp.get("/")
def index():
    """Every category with its counts and latest activity."""
    member = current_user._get_current_object()
    return _page_for(
        ("index", *forum.categories_revision()),
        lambda: render_marked("forum/index.html", categories=forum.list_categories()),
        unread_in=lambda: latest.unread_categories(member),
    )


@bp.get("/c/<slug>")
def category(slug):
    """A category's topics, pinned first, then by latest activity."""
    head = _head_for_viewer(heads.category_head, heads.category_head_with_member, slug)
    head = heads.existing_category_head(head)
    raw = request.args.get("page")
    number = forum.category_page_number(head, raw)

    def render():
        cat, total = forum.category_for_page(slug, current_user)
        page = forum.category_page(cat, total, raw, current_user)
        return render_marked("forum/category.html", category=cat, page=page)

    member = current_user._get_current_object()
    return _page_for(
        ("category", head.id, head.revision, number),
        render,
        seen_of=lambda topic_ids: reading.seen_positions(member, topic_ids),
        watching=head.watch is not None,
    )


@bp.route("/c/<slug>/new", methods=["GET", "POST"])
@writer_required
@posting_limit
@upload_limit
def new_topic(slug):
    """Start a topic in a category."""
    cat = forum.category_by_slug(slug)
    forum.check_can_start_topic(cat, current_user)
    form, preview = TopicForm(), None
    submitted = _submitted(form)
    if submitted and form.preview.data:
        preview = _preview(form)
    elif submitted:
        try:
            topic = forum.create_topic(
                cat, current_user, form.title.data, form.body.data, client_ip()
            )
        except ServiceError as exc:
            # A refusal (an archived category included) keeps what was typed on the form.
            db.session.rollback()
            add_service_error(form, exc)
        else:
            db.session.commit()
            send_mail_after_response()
            return redirect(topic_url(topic))
    page = render_template("forum/new_topic.html", category=cat, form=form, preview=preview)
    return page, _status(preview)


@bp.get("/t/<int:topic_id>")
@bp.get("/t/<int:topic_id>/<slug>")
def topic(topic_id, slug=None):
    """A page of a topic's posts."""
    head = _head_for_viewer(heads.topic_head, heads.topic_head_with_member, topic_id)
    head = heads.visible_topic_head(head, current_user)
    if slug != head.slug:
        page_arg = request.args.get("page")
        return redirect(topic_url(head, **({"page": page_arg} if page_arg else {})), code=301)
    raw = request.args.get("page")
    number = forum.topic_page_number(head, raw)

    def render():
        t = forum.visible_topic(topic_id, current_user)
        page = forum.topic_page(t, raw, current_user)
        # The form is written for members; only_if('writer') drops it for a suspended one.
        can_reply = current_user.is_authenticated and not t.locked and not t.category.archived
        form = ReplyForm(meta={"csrf": False}) if can_reply and page.number == page.count else None
        return render_marked("forum/topic.html", topic=t, page=page, form=form)

    html = _page_for(
        ("topic", head.id, head.revision, number),
        render,
        seen=head.seen,
        watching=head.watch is not None,
        thanked=lambda: thanks.thanked_in(head),
    )
    if current_user.is_authenticated:
        up_to = reading.progress_to_record(head.seen, number, head.last_position)
        if up_to is not None:  # only when the page shows something new to them
            reading.record_progress(current_user.id, head.id, up_to)
    return html


@bp.post("/t/<int:topic_id>/reply")
@writer_required
@posting_limit
@upload_limit
def reply(topic_id):
    """Add a reply at the end of a topic."""
    t = forum.visible_topic(topic_id, current_user)
    form, preview = ReplyForm(), None
    submitted = _submitted(form)
    if submitted and form.preview.data:
        preview = _preview(form)
    elif submitted:
        try:
            post = forum.reply(t, current_user, form.body.data, client_ip())
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
            t = forum.visible_topic(topic_id, current_user)
        else:
            db.session.commit()
            send_mail_after_response()
            return redirect(url_for("forum.post", post_id=post.id))
    page = forum.topic_page(t, "last", current_user)
    html = render_template("forum/topic.html", topic=t, page=page, form=form, preview=preview)
    return html, _status(preview)


@bp.get("/p/<int:post_id>/quote")
@writer_required
def quote(post_id):
    """The reply form with the post quoted, attributed and linked (no script needed)."""
    p, source = forum.quote_source(post_id, current_user)
    form = ReplyForm(data={"body": source})
    return render_template("forum/quote.html", post=p, topic=p.topic, form=form)


@bp.get("/p/<int:post_id>")
def post(post_id):
    """A post's permalink: the page of its topic it is on, scrolled to it; it marks the
    member's notifications of that topic read."""
    p, number = forum.locate_post(post_id, current_user)
    args = {"page": number} if number > 1 else {}
    target = topic_url(p.topic, **args, _anchor=f"p{p.id}")
    # Following a notification (or any link to a post) reads the member's notifications
    # of its topic: no query when none are unread.
    if current_user.is_authenticated and notices.seen_topic(current_user, p.topic_id):
        db.session.commit()
    return redirect(target)


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@writer_required
@editing_limit
@upload_limit
def edit_post(post_id):
    """Edit one of your own posts."""
    p = forum.get_post_for_edit(post_id, current_user)
    form = EditPostForm(data={"body": p.body} if request.method == "GET" else None)
    preview = None
    submitted = _submitted(form)
    if submitted and form.preview.data:
        preview = _preview(form)
    elif submitted:
        try:
            forum.edit_own_post(p, current_user, form.body.data)
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
            p = forum.get_post_for_edit(post_id, current_user)
        else:
            db.session.commit()
            send_mail_after_response()
            flash(_("Your post was saved."))
            return redirect(url_for("forum.post", post_id=p.id))
    page = render_template("forum/edit_post.html", post=p, form=form, preview=preview)
    return page, _status(preview)


@bp.route("/p/<int:post_id>/report", methods=["GET", "POST"])
@writer_required
def report(post_id):
    """Tell the moderators about a post, with a reason only they read."""
    p, _page = forum.locate_post(post_id, current_user)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            reports.report_post(p, current_user, form.reason.data)
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you: the moderators will look at this post."))
            return redirect(url_for("forum.post", post_id=p.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("forum/report.html", post=p, form=form), status


@bp.route("/p/<int:post_id>/delete", methods=["GET", "POST"])
@writer_required
@editing_limit
def delete_post(post_id):
    """Delete one of your own posts, after a confirmation page."""
    p = erasure.post_for_deletion(post_id, current_user)
    category_url = url_for("forum.category", slug=p.topic.category.slug)
    form = DeletePostForm()
    done, whole_topic = run(form, lambda _: erasure.delete_post(p, current_user, "author"))
    if done:
        flash(_("Your post was deleted.") if not whole_topic else _("Your topic was deleted."))
        return redirect(
            category_url if whole_topic else url_for("forum.post", post_id=post_id), 303
        )
    status = 422 if request.method == "POST" else 200
    return render_template("forum/delete_post.html", post=p, form=form), status
