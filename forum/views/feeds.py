"""Atom feeds (RFC 4287): latest topics, per category, posts per topic, support answers.

The announcements feed (views/announcements.py) is rendered by atom_response() too.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import escape

from ..links import site_url
from ..models import utcnow
from ..services import feeds
from ..services import forum as forum_service
from ..services import latest as latest_service

bp = Blueprint("feeds", __name__)


@dataclass(frozen=True)
class Entry:
    """One Atom entry; `id` is a permanent address that never changes with a title."""

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    html: str = ""
    author: str | None = None


def atom_response(title: str, page_url: str, entries: list[Entry]):
    """An Atom feed of `entries`, cacheable, answering 304 to a reader that has it."""
    updated = max((entry.updated for entry in entries), default=None)
    body = render_template(
        "feeds/atom.xml",
        title=title,
        page_url=page_url,
        self_url=site_url(request.endpoint, **(request.view_args or {})),
        # An empty feed was last updated now, as far as a reader can tell.
        updated=updated or utcnow(),
        entries=entries,
    )
    response = current_app.response_class(body, mimetype="application/atom+xml")
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["FEED_MAX_AGE"]
    if updated is not None:
        response.last_modified = updated
    response.add_etag()
    return response.make_conditional(request)


def _external(endpoint: str, **values) -> str:
    return site_url(endpoint, **values)


def _topic_entries(rows) -> list[Entry]:
    return [
        Entry(
            id=_external("forum.topic", topic_id=topic.id),
            title=topic.title,
            link=_external("forum.topic", topic_id=topic.id, slug=topic.slug),
            published=topic.created_at,
            updated=(first.edited_at or first.created_at) if first else topic.created_at,
            html=first.html if first else "",
            author=topic.author.username if topic.author else None,
        )
        for topic, first in rows
    ]


@bp.get("/feeds/topics.atom")
def topics():
    """The newest topics of the whole forum."""
    return atom_response(
        _("%(site)s: new topics", site=current_app.config["SITE_NAME"]),
        _external("forum.index"),
        _topic_entries(feeds.latest_topics()),
    )


@bp.get("/latest.atom")
def latest():
    """Every category's topics with the latest activity: a topic's entry is updated by each
    new post in it, and links to that post's page."""
    entries = [
        Entry(
            id=_external("forum.topic", topic_id=topic.id),
            title=topic.title,
            link=_external(
                "forum.topic", topic_id=topic.id, slug=topic.slug, page="last", _anchor="latest"
            ),
            published=topic.created_at,
            updated=topic.last_post_at,
            html=str(
                escape(
                    _(
                        "%(posts)s in %(category)s; the latest by %(author)s.",
                        posts=ngettext("%(num)d post", "%(num)d posts", topic.post_count),
                        category=topic.category.name,
                        author=topic.last_poster.username
                        if topic.last_poster
                        else _("a former member"),
                    )
                )
            ),
            author=topic.last_poster.username if topic.last_poster else None,
        )
        for topic in latest_service.latest_for_feed()
    ]
    return atom_response(
        _("%(site)s: latest activity", site=current_app.config["SITE_NAME"]),
        _external("latest.latest_topics"),
        entries,
    )


@bp.get("/c/<slug>/topics.atom")
def category(slug):
    """The newest topics of one category."""
    cat = forum_service.category_by_slug(slug)
    return atom_response(
        f"{current_app.config['SITE_NAME']}: {cat.name}",
        _external("forum.category", slug=cat.slug),
        _topic_entries(feeds.latest_topics(cat)),
    )


@bp.get("/t/<int:topic_id>/posts.atom")
def topic(topic_id):
    """The newest posts of one topic."""
    t = feeds.topic_for_feed(topic_id)
    entries = [
        Entry(
            id=_external("forum.post", post_id=post.id),
            title=f"{t.title} (#{post.position})",
            link=_external("forum.post", post_id=post.id),
            published=post.created_at,
            updated=post.edited_at or post.created_at,
            html=post.html,
            author=post.author.username if post.author else None,
        )
        for post in feeds.latest_posts(t)
    ]
    return atom_response(
        f"{current_app.config['SITE_NAME']}: {t.title}",
        _external("forum.topic", topic_id=t.id, slug=t.slug),
        entries,
    )


@bp.get("/support/answers.atom")
def answers():
    """The newest answers published by the support desk."""
    entries = [
        Entry(
            id=_external("support.answer", answer_id=a.id),
            title=a.title,
            link=_external("support.answer", answer_id=a.id, slug=a.slug),
            published=a.published_at,
            updated=a.updated_at,
            html=a.answer_html,
        )
        for a in feeds.latest_answers()
    ]
    return atom_response(
        _("%(site)s: answers from the support desk", site=current_app.config["SITE_NAME"]),
        _external("support.answers"),
        entries,
    )
