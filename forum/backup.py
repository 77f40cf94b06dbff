"""Backups: a consistent online copy of the database, and restoring one into an empty database.

SQLite uses its online backup API (a consistent snapshot while the forum keeps running);
PostgreSQL uses pg_dump's custom format and pg_restore.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why, for the operator."""


def backup(engine: Engine, path: Path) -> str:
    """Write a consistent copy of the database behind `engine` to `path`; say what was done."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    url = engine.url
    if url.get_backend_name() == "sqlite":
        _sqlite_backup(_sqlite_file(url), path)
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path)], url)
    else:
        raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
    return f"Backed up the database to {path} ({path.stat().st_size:,} bytes)."


def restore(engine: Engine, path: Path) -> str:
    """Restore the backup at `path` into the (empty) database behind `engine`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    url = engine.url
    tables = inspect(engine).get_table_names()
    engine.dispose()
    if tables:
        raise BackupError(
            f"The database is not empty (it has {len(tables)} tables, such as "
            f"{sorted(tables)[0]!r}). Restore only into a new, empty database."
        )
    if url.get_backend_name() == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} is not an SQLite backup.")
        _sqlite_copy(path, _sqlite_file(url))
    elif url.get_backend_name() == "postgresql":
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{path} is not a pg_dump custom-format backup.")
        # --dbname: without it pg_restore would print SQL instead of restoring.
        command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
        _run([*command, "--dbname", url.database or "", str(path)], url)
    else:
        raise BackupError(f"Restoring {url.get_backend_name()} databases is not supported.")
    return f"Restored {path} into the database."


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _sqlite_backup(source: Path, target: Path) -> None:
    """Copy page by page with SQLite's online backup API, into a file renamed when complete."""
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        _sqlite_copy(source, Path(partial))
        with closing(sqlite3.connect(partial)) as copy:
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: consistent while others write, and WAL-aware on both ends."""
    try:
        # mode=ro: a backup must never write to the database it reads.
        with (
            closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source} to {target}: {exc}") from None


def _run(command: list[str], url: URL) -> None:
    """Run a PostgreSQL client tool against `url`; the password goes in the environment."""
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(
            f"{command[0]} is not installed; install the PostgreSQL client tools "
            "(the same major version as the server)."
        )
    env = {**os.environ, "PGDATABASE": url.database or ""}
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username)):
        if value:
            env[key] = str(value)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # A fixed program and arguments, no shell: nothing here comes from a visitor.
    result = subprocess.run(  # noqa: S603
        [program, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.returncode}")
