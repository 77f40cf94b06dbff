"""`make screenshots`: a PNG of each main page at 375 and 1280 px, light and dark, for review;
then the same pages in German, in French and in English forced right-to-left (light), each
set's files named de-..., fr-..., rtl-....

Builds a throwaway demo forum (SQLite in a temporary folder, the demo seed plus a long
topic, a published answer and an announcement), serves it from a thread, and drives the
system Chromium. Writes to build/screenshots/ (or the folder given as the argument).
"""

import os
import sys
import tempfile
import threading
from pathlib import Path

from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from forum import create_app  # noqa: E402
from forum.extensions import db, enable_migrations  # noqa: E402
from forum.models import Category, Post, SupportRequest, Topic, User  # noqa: E402
from forum.seed import seed_demo  # noqa: E402
from forum.services import (  # noqa: E402
    announcements,
    moderation,
    reports,
    sanctions,
    support,
    support_desk,
)
from forum.services import disclosure as staff  # noqa: E402
from forum.services import forum as forum_service  # noqa: E402
from forum.services.accounts import start_session  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
WIDTHS = (375, 1280)


def build_forum(app) -> dict[str, str]:
    """Seed the demo forum and a few pages it lacks; return name -> path of each page."""
    with app.app_context():
        upgrade()
        seed_demo()
        admin = db.session.scalar(db.select(User).where(User.role == "admin"))
        member = db.session.scalar(db.select(User).where(User.username == "juniper"))
        general = db.session.scalar(db.select(Category).where(Category.slug == "general"))
        long = forum_service.create_topic(
            general, member, "A long conversation about window plants", "Where to start?"
        )
        for n in range(1, 64):
            forum_service.reply(long, admin if n % 3 else member, f"Reply {n}: more about light.")
        request = support.submit_request(
            support.Submission(
                "support", "Links expire", "My link expired.", None, False, None, None
            )
        )
        db.session.flush()
        answer = support_desk.publish(
            support_desk.get_request(request.id),
            admin,
            support_desk.AnswerDraft(
                "What to do when a sign-in link expires",
                "My link expired before I used it.",
                "Ask for a **new link**: each one lasts 15 minutes.",
            ),
            cleared=True,
        )
        note, _ = announcements.publish(
            admin, "A new look", "The forum reads better on phones.", False
        )
        db.session.commit()
        topic = db.session.scalar(db.select(Topic).order_by(Topic.id).limit(1))
        post = db.session.scalar(
            db.select(Post).where(Post.author_id == member.id).order_by(Post.id).limit(1)
        )
        pending = db.session.scalar(db.select(SupportRequest.id).limit(1))
        # Moderation: a report waiting in the queue, a post edited by a moderator, a
        # suspension in the log; the staff viewer has accepted the agreement.
        spam = forum_service.reply(
            topic, member, "Cheap watches at spam.example!", ip="198.51.100.7"
        )
        db.session.flush()
        reports.report_post(spam, admin, "Advertising, not about plants.")
        moderation.edit_post_as_moderator(
            spam, admin, "Watches, link removed.", "Removed an ad link"
        )
        other = db.session.scalar(
            db.select(User).where(User.role == "member", User.id != member.id)
        )
        if other is not None:
            sanctions.suspend(other, admin, 3, "Rude replies in General")
        staff.accept_agreement(admin, staff.current_agreement().version)
        db.session.commit()
        return {
            "index": "/",
            "category": "/c/general",
            "topic": f"/t/{topic.id}/{topic.slug}",
            "long-topic-page-2": f"/t/{long.id}/{long.slug}?page=2",
            "profile": "/u/juniper",
            "signin": "/signin",
            "register": "/register",
            "privacy": "/privacy",
            "cookies": "/privacy/cookies",
            "data": "/privacy/data",
            "stats": "/stats",
            "support": "/support",
            "answers": "/support/answers",
            "answer": f"/support/answers/{answer.id}-{answer.slug}",
            "announcements": "/announcements",
            "announcement": f"/announcements/{note.id}",
            "not-found": "/no/such/page",
            "member/new-topic": "/c/general/new",
            "member/edit-post": f"/p/{post.id}/edit",
            "member/account": "/account",
            "member/data": "/account/data",
            "member/topic": f"/t/{long.id}/{long.slug}?page=last",
            "staff/request": f"/staff/support/{pending}",
            "staff/post": f"/staff/posts/{spam.id}",
            "staff/topic": f"/staff/topics/{topic.id}",
            "staff/member": "/staff/members/juniper",
            "staff/reveal-form": f"/staff/reveal?source=post&id={spam.id}&field=ip",
            **staff_pages(app),
        }, {"member": member.id, "staff": admin.id}


def staff_pages(app) -> dict[str, str]:
    """Every staff page that needs no argument, named after its path, and the search."""
    rules = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint.split(".")[0]
        in {"desk", "disclosure", "support_desk", "admin", "moderation", "sanctions"}
    )
    name = lambda rule: rule.removeprefix("/staff").strip("/").replace("/", "-") or "desk"  # noqa: E731
    pages = {"staff/" + name(rule): rule for rule in rules}
    if "search.search" in app.view_functions:
        pages["search"] = "/search?q=light"
    return pages


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


def session_cookie(app, user_id: int) -> dict:
    key = start_session(db.session.get(User, user_id))
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = key
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return {"name": cookie.key, "value": cookie.value}


class Shots:
    """Screenshots of every page for the visitor, a member and staff in one browser setting."""

    def __init__(self, browser, app, base: str, pages: dict, users: dict, out: Path):
        self.browser, self.app, self.base = browser, app, base
        self.pages, self.users, self.out = pages, users, out
        self.count = 0

    def take(self, scheme: str, width: int, locale: str = "en-US", prefix: str = "") -> None:
        contexts = {}
        for who in ("visitor", "member", "staff"):
            context = self.browser.new_context(
                viewport={"width": width, "height": 900}, color_scheme=scheme, locale=locale
            )
            if who != "visitor":
                with self.app.app_context():
                    cookie = session_cookie(self.app, self.users[who])
                context.add_cookies([{**cookie, "url": self.base}])
            contexts[who] = context.new_page()
        for name, path in self.pages.items():
            who = name.split("/")[0] if "/" in name else "visitor"
            page = contexts[who]
            page.goto(self.base + path)
            if prefix == "rtl":
                page.evaluate("() => { document.documentElement.dir = 'rtl'; }")
            lead = f"{prefix}-" if prefix else ""
            file = self.out / f"{lead}{name.replace('/', '-')}-{width}-{scheme}.png"
            page.screenshot(path=str(file), full_page=True)
            self.count += 1
        for page in contexts.values():
            page.context.close()


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="forum-shots-"))
    app = create_app(
        {
            "FORUM_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'forum.db'}",
            "MAIL_URL": f"file://{tmp / 'mail'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "STATS_ENABLED": False,
        }
    )
    enable_migrations(app)
    pages, users = build_forum(app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["SITE_URL"] = base
    count = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            shots = Shots(browser, app, base, pages, users, out)
            for scheme in ("light", "dark"):
                for width in WIDTHS:
                    shots.take(scheme, width)
            # German and French (the browser asks for them), and English forced right-to-left.
            for variant, locale in (("de", "de-DE"), ("fr", "fr-FR"), ("rtl", "en-US")):
                for width in WIDTHS:
                    shots.take("light", width, locale=locale, prefix=variant)
            count = shots.count
            browser.close()
    finally:
        server.shutdown()
    print(f"{count} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "screenshots"))
