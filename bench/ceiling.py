"""The ceiling for the topic page: the least a Flask + Flask-SQLAlchemy app can do.

GET /topic/<id> runs one query, the topic's first 20 posts joined with their authors, and
renders them with a plain Jinja template (no layout, no filters, no hooks). bench/run.py
serves it with gunicorn beside the forum, on the same database, and divides by it:

    DATABASE_URL=sqlite:////abs/forum.db gunicorn --pythonpath bench ceiling:app

It declares the few columns it reads itself and never imports the forum package.
"""

import os
from pathlib import Path

from flask import Flask, abort, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select

PER_PAGE = 20

db = SQLAlchemy()

users = db.Table(
    "users",
    db.Column("id", db.Integer, primary_key=True),
    db.Column("username", db.String(32)),
)

posts = db.Table(
    "posts",
    db.Column("id", db.Integer, primary_key=True),
    db.Column("topic_id", db.Integer),
    db.Column("author_id", db.Integer, db.ForeignKey("users.id")),
    db.Column("position", db.Integer),
    db.Column("html", db.Text),
    db.Column("created_at", db.DateTime),
)

PAGE_QUERY = (
    select(
        posts.c.id,
        posts.c.position,
        posts.c.html,
        posts.c.created_at,
        users.c.username,
    )
    .select_from(posts.outerjoin(users, posts.c.author_id == users.c.id))
    .order_by(posts.c.position)
    .limit(PER_PAGE)
)


def create_app() -> Flask:
    """The ceiling app on the database named by DATABASE_URL."""
    app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent))
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)

    @app.get("/topic/<int:topic_id>")
    def topic(topic_id: int):
        """The first page of a topic: one query, one template."""
        rows = db.session.execute(PAGE_QUERY.where(posts.c.topic_id == topic_id)).all()
        if not rows:
            abort(404)
        return render_template("ceiling_topic.html", topic_id=topic_id, posts=rows)

    return app


app = create_app()
