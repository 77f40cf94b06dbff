"""What one text may cost to render is capped: past the limit of a costly construct it is
kept as written and shown as plain text, and its writer is told on the preview."""

import re

import pytest

from forum.extensions import db
from forum.markdown import render, render_post
from forum.models import Post
from forum.render_limits import FORMAT_LIMITS, unformattable
from tests.helpers import csrf_token

# For each limit: a text's fixed start, the unit repeated to reach the limit, and what the
# formatted text shows that a plain one cannot.
UNITS = {
    "table cells": ("| a | b |\n|---|---|\n", "| x | y |\n", "<table"),
    "link brackets": ("", "[a](/x) ", '<a href="/x"'),
    "list items": ("", "- a\n", "<li>"),
    "headings and rules": ("", "# a\n", "<h2>"),
    "emphasis marks": ("", "*a* ", "<em>"),
    "code fences": ("", "```\nx\n```\n", "<pre"),
    "web and mail addresses": ("", "https://a.example/ ", '<a href="https://a.example/"'),
}
LIMITS = {name: (limit, count) for name, limit, count in FORMAT_LIMITS}


def at_and_over(name: str) -> tuple[str, str]:
    """The longest text of `name`'s units still formatted, and one unit more."""
    head, unit, _ = UNITS[name]
    limit, count = LIMITS[name]
    units = (limit - count(head)) // count(unit)
    at, over = head + unit * units, head + unit * (units + 1)
    assert count(at) <= limit < count(over)
    return at, over


def test_every_limit_is_tried():
    assert set(UNITS) == set(LIMITS)


@pytest.mark.parametrize("name", sorted(UNITS))
def test_a_text_at_a_limit_is_formatted_and_one_past_it_is_plain(name):
    at, over = at_and_over(name)
    marker = UNITS[name][2]
    assert marker in render_post(at) and unformattable(at) is None
    html = render_post(over)
    assert marker not in html and html.startswith("<p>")
    assert name in unformattable(over)
    # Nothing but paragraphs and line breaks: every other angle bracket is escaped.
    assert "<" not in re.sub(r"</?p>|<br>", "", html)


def test_plain_text_keeps_paragraphs_and_line_breaks_and_escapes_everything():
    source = "<script>alert(1)</script>\nsecond line\n\n  \nnext *paragraph*\n" + "[" * 5001
    html = render(source)
    assert html.count("<p>") == 2 and "<br>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "next *paragraph*" in html and "<em>" not in html


def test_many_task_items_are_formatted_in_one_pass():
    # The usual plugin looked back through every token for each item (7,500 items: 20 s).
    source = "- [ ] todo\n" * 1000 + "\n1. [X] done\n   - [ ]\tnested\n- [ ]\n"
    html = render(source)
    assert html.count('aria-label="not done"> todo') == 1000
    assert '<ol class="contains-task-list">' in html
    assert '<input type="checkbox" checked="checked" disabled="disabled" aria-label="done">' in html
    assert 'aria-label="not done">\tnested' in html
    # "[ ]" with nothing after it is text, not a task.
    assert "<li>[ ]</li>" in html


def test_the_preview_tells_the_writer_and_the_post_keeps_its_source(member_client, topic):
    token = csrf_token(member_client, f"/t/{topic.id}/{topic.slug}")
    body = "- item\n" * 2001
    response = member_client.post(
        f"/t/{topic.id}/reply", data={"csrf_token": token, "body": body, "preview": "1"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2,001 list items" in page and "shown as plain text" in page
    assert 'aria-describedby="body-hint"' in page

    response = member_client.post(f"/t/{topic.id}/reply", data={"csrf_token": token, "body": body})
    assert response.status_code == 302
    post = db.session.scalars(db.select(Post).order_by(Post.id.desc())).first()
    assert post.body == body.rstrip("\n") or post.body == body
    assert post.html.startswith("<p>- item<br>") and "<li>" not in post.html
