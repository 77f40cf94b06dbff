"""Flask commands for search: `flask search reindex`."""

import click
from flask import Flask


def init_app(app: Flask) -> None:
    app.cli.add_command(search_group)


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
