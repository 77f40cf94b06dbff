"""Watching: Watch / Stop watching on topics and categories, and the member's list."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms.notices import WatchForm
from ..security import member_required
from ..services import forum, watching

bp = Blueprint("watching", __name__)


def _done(form, back: str, action) -> object:
    if form.validate_on_submit():
        action()
        db.session.commit()
    return redirect(back, code=303)


@bp.post("/watching/topic/<int:topic_id>")
@member_required
def watch_topic(topic_id):
    """Be told of every new post in this topic."""
    topic = forum.visible_topic(topic_id, current_user)
    back = url_for("forum.topic", topic_id=topic.id, slug=topic.slug)
    return _done(WatchForm(), back, lambda: watching.watch(current_user, topic=topic))


@bp.post("/watching/topic/<int:topic_id>/stop")
@member_required
def unwatch_topic(topic_id):
    """Stop being told of new posts in this topic."""
    topic = forum.visible_topic(topic_id, current_user)
    back = url_for("forum.topic", topic_id=topic.id, slug=topic.slug)
    return _done(WatchForm(), back, lambda: watching.stop(current_user, topic=topic))


@bp.post("/watching/category/<slug>")
@member_required
def watch_category(slug):
    """Be told of every new topic and post in this category."""
    category = forum.category_by_slug(slug)
    back = url_for("forum.category", slug=category.slug)
    return _done(WatchForm(), back, lambda: watching.watch(current_user, category=category))


@bp.post("/watching/category/<slug>/stop")
@member_required
def unwatch_category(slug):
    """Stop being told of what is new in this category."""
    category = forum.category_by_slug(slug)
    back = url_for("forum.category", slug=category.slug)
    return _done(WatchForm(), back, lambda: watching.stop(current_user, category=category))


@bp.get("/account/watching")
@member_required
def index():
    """The topics and categories the member watches, each with Stop watching."""
    return render_template(
        "watching/list.html", watches=watching.watched_by(current_user), form=WatchForm()
    )


@bp.post("/account/watching/<int:watch_id>/stop")
@member_required
def stop(watch_id):
    """Stop one watch from the list."""
    form = WatchForm()
    if form.validate_on_submit():
        watching.stop_by_id(current_user, watch_id)
        db.session.commit()
        flash(_("You no longer watch it."))
    return redirect(url_for("watching.index"), code=303)
