"""Flask commands for stored posts: `flask posts rerender`."""

import click
from flask import Flask


def init_app(app: Flask) -> None:
    app.cli.add_command(posts_group)


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
