"""Filling a kept page's markers: the jump over a failed only_if gives what a marker-by-marker
pass does, nested, stray and unclosed markers included."""

import random

from flask import g

from forum import audience
from forum.audience import Marked, _Viewer, end_if, only_if, slot


def _reference_fill(page: Marked, viewer: _Viewer) -> str:
    """The marker-by-marker pass the jump replaced: a count of open only_ifs that hide."""
    out, skipping, levels = [], 0, []
    for text, kind, name, numbers in page.parts:
        if not skipping:
            out.append(text)
        if kind == "if":
            hides = bool(skipping) or not viewer.holds(name, numbers)
            levels.append(hides)
            skipping += hides
        elif kind == "fi":
            skipping -= levels.pop() if levels else 0
        elif not skipping:
            out.append(viewer.slot(name, numbers))
    out.append(page.tail)
    return "".join(out)


def _random_page(rng: random.Random, me: int) -> str:
    pieces = []
    for n in range(rng.randint(0, 40)):
        choice = rng.random()
        if choice < 0.3:
            condition = rng.choice(["author", "other"])
            pieces.append(str(only_if(condition, rng.choice([me, me + 1]))))
        elif choice < 0.4:
            pieces.append(str(only_if("writer")))
        elif choice < 0.75:
            pieces.append(str(end_if()))  # sometimes stray, sometimes closing
        elif choice < 0.85:
            pieces.append(str(slot("unread-page", n)))
        pieces.append(f"<p>text {n} &amp; <!-- a comment --></p>")
    return "".join(pieces)


def test_the_jump_fills_as_the_marker_by_marker_pass(app, member, other_member):
    rng = random.Random(16)
    for user in (member, other_member, None):
        with app.test_request_context("/"):
            if user is not None:
                g._login_user = user
            for _ in range(300):
                page = Marked(_random_page(rng, member.id))
                viewer = _Viewer(page, None, None, {})
                assert audience.fill(page) == _reference_fill(page, viewer)


def test_an_unclosed_only_if_that_fails_hides_the_rest_but_the_tail(app):
    with app.test_request_context("/"):
        page = Marked(f"a{only_if('writer')}b{only_if('writer')}c{end_if()}d")
        assert audience.fill(page) == "ad"
        page = Marked(f"a{end_if()}b{only_if('writer')}c{end_if()}d{end_if()}e")
        assert audience.fill(page) == "abde"
