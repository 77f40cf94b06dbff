"""Flask commands: db (migrations), seed-demo, create-user, purge, mail send-queued, stats flush,
backup, restore, search reindex, posts rerender and keys rotate."""

import click
from flask import Flask, current_app

from .extensions import db, enable_migrations
from .models import ROLES
from .services import ServiceError


class MigrationCommands(click.Group):
    """`flask db ...`: Flask-Migrate's group (its options, callback and commands), loaded
    with Alembic only when it is used."""

    def _load(self) -> None:
        from flask_migrate.cli import db as commands

        enable_migrations(current_app._get_current_object())
        self.params, self.callback, self.commands = (
            commands.params,
            commands.callback,
            commands.commands,
        )

    def make_context(self, *args, **kwargs) -> click.Context:
        self._load()
        return super().make_context(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)


def init_app(app: Flask) -> None:
    app.cli.add_command(MigrationCommands("db", help="Perform database migrations."))
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(mail_group)
    app.cli.add_command(purge_command)
    app.cli.add_command(stats_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(search_group)
    app.cli.add_command(posts_group)
    app.cli.add_command(keys_group)


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even if the database already has categories.")
def seed_demo_command(force: bool) -> None:
    """Fill an empty database with a small, realistic forum."""
    from . import seed
    from .services.privacy import ensure_first_version

    if seed.has_content() and not force:
        click.echo("The database already has content; nothing seeded (use --force).")
        return
    counts = seed.seed_demo()
    db.session.commit()
    ensure_first_version()
    db.session.commit()
    click.echo(
        f"Seeded {counts['categories']} categories, {counts['users']} members, "
        f"{counts['topics']} topics and {counts['posts']} posts."
    )


@click.command("create-user")
@click.argument("username")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
def create_user_command(username: str, email: str, role: str) -> None:
    """Create a confirmed member with this username, email and role."""
    from .models import utcnow
    from .services.members import create_user

    try:
        user = create_user(username, email, role)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    user.confirmed_at = utcnow()
    db.session.commit()
    click.echo(f"Created {role} {user.username}.")


@click.group("mail")
def mail_group() -> None:
    """The outbox: mail waiting to be sent."""


@mail_group.command("send-queued")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="Batch size.")
def send_queued_command(limit: int) -> None:
    """Send the mail that is due, retrying failed messages whose wait is over (for cron)."""
    from .mail_transports import transport_from_url
    from .services.mail import send_queued

    try:
        transport_from_url(current_app.config["MAIL_URL"])
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    sent = failed = 0
    while True:
        batch_sent, batch_failed = send_queued(limit)
        sent, failed = sent + batch_sent, failed + batch_failed
        # A short batch means nothing more is due; a failure, that the rest can wait.
        if batch_failed or batch_sent < limit:
            break
    click.echo(f"Sent {sent}, failed {failed}.")


@mail_group.command("digest")
def digest_command() -> None:
    """Mail each member who chose a daily digest their unread notifications (run it daily;
    a member gets at most one digest in 20 hours however often it runs), then send them."""
    from .services.mail import send_queued
    from .services.notice_mail import send_digests

    queued = send_digests()
    sent, failed = send_queued(max(queued, 1))
    click.echo(f"Queued {queued} digests; sent {sent}, failed {failed}.")


@click.command("purge")
def purge_command() -> None:
    """Erase what has outlived its retention period (run it daily)."""
    from .services.retention import DUE, purge_all

    given = {label for label, _ in DUE.values()}
    for what, count in purge_all().items():
        click.echo(f"{what.capitalize()}: {count}." if what in given else f"Purged {count} {what}.")


@click.group("stats")
def stats_group() -> None:
    """Visitor statistics: aggregate counters."""


@stats_group.command("flush")
def stats_flush_command() -> None:
    """Move the counts gathered in Redis into the database (for cron, with REDIS_URL set)."""
    from .services.stats import flush_to_database

    recorder = current_app.extensions.get("stats")
    if recorder is None:
        raise click.ClickException("Statistics are turned off (STATS_ENABLED=0).")
    if not recorder.redis_url:
        click.echo("No REDIS_URL: each worker writes its counts to the database itself.")
    click.echo(f"Moved {flush_to_database(recorder)} counts into the database.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str) -> None:
    """Write a consistent copy of the database to PATH while the forum runs."""
    from .backup import BackupError, backup

    try:
        click.echo(backup(db.engine, path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore_command(path: str) -> None:
    """Restore the backup at PATH into an empty database (made for it; never over data)."""
    from .backup import BackupError, restore

    try:
        click.echo(restore(db.engine, path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("search")
def search_group() -> None:
    """Full-text search: the indexes over posts, topic titles and support answers."""


@search_group.command("reindex")
@click.option("--batch", type=click.IntRange(100), default=5000, show_default=True)
def reindex_command(batch: int) -> None:
    """Rebuild the search indexes from the tables (after a restore, or to compact them)."""
    from .services import search

    with click.progressbar(length=search.index_size(), label="Rows") as bar:
        done = search.reindex(progress=bar.update, batch=batch)
    click.echo(f"Indexed {done:,} rows.")


@click.group("posts")
def posts_group() -> None:
    """Posts, support answers and announcements: their stored HTML."""


@posts_group.command("rerender")
@click.option("--batch", type=click.IntRange(1), default=500, show_default=True)
def rerender_command(batch: int) -> None:
    """Re-render stored HTML from the source text (after a change to the renderer)."""
    from .services import rerender

    with click.progressbar(length=rerender.rendered_count(), label="Rows") as bar:
        changed = rerender.rerender(progress=bar.update, batch=batch)
    click.echo(f"Re-rendered {changed:,} changed rows.")


@click.group("keys")
def keys_group() -> None:
    """The key that seals email and IP addresses (DATA_KEY)."""


@keys_group.command("rotate")
@click.option("--batch", default=500, show_default=True, help="Values re-sealed per commit.")
def rotate_command(batch: int) -> None:
    """Re-seal every sealed value under DATA_KEY, opening old ones with DATA_KEY_OLD.

    Safe while the forum runs (started with the same DATA_KEY and DATA_KEY_OLD)."""
    from .sealing import SealError, keyring
    from .services import keys

    total = keys.pending()
    try:
        with click.progressbar(length=total, label="Re-sealing", show_pos=True) as bar:
            done = keys.rotate(max(batch, 1), bar.update)
    except SealError as exc:
        raise click.ClickException(
            f"A sealed value does not open ({exc}): give the key it was sealed under in "
            "DATA_KEY_OLD (several, comma-separated) and run this again."
        ) from None
    left = keys.pending()
    if left:
        raise click.ClickException(
            f"{left} values were written under an old key meanwhile: restart every forum "
            "process with the new DATA_KEY, then run this again."
        )
    click.echo(
        f"Re-sealed {done} values under key id {keyring().current.id}. Nothing needs "
        "DATA_KEY_OLD any more: remove it and restart the forum."
    )
