"""DATA_KEY rotation: every sealed value re-sealed under the current key, while the forum runs.

Give the new key as DATA_KEY and the old one as DATA_KEY_OLD to the forum and to `flask keys
rotate`; old key ids stay readable until no value needs them. This is background work: it
commits its own batches, so a running forum is never blocked for more than one batch.
"""

from collections.abc import Callable

from sqlalchemy import column as sql_column
from sqlalchemy import func, select, update
from sqlalchemy import table as sql_table

from ..extensions import db
from ..sealing import keyring, raw_values, sealed_columns

# How many passes may find values written under an old key meanwhile (by a forum process
# not yet restarted with the new DATA_KEY) before rotation gives up and says so.
MAX_PASSES = 5


def _under_old_key(column):
    return raw_values(column).where(sql_column(column.name).not_like(f"{keyring().current.id}:%"))


def pending() -> int:
    """How many sealed values are not under the current key."""
    return sum(
        db.session.scalar(select(func.count()).select_from(_under_old_key(c).subquery()))
        for c in sealed_columns(db.metadata)
    )


def rotate(batch: int, progress: Callable[[int], None]) -> int:
    """Re-seal every value not under the current key; return how many were re-sealed.

    Each batch is committed. A row changed meanwhile (sealed anew under the current key by
    the forum) is left as it is. Raises sealing.SealError for a value no key opens.
    """
    done = 0
    for _ in range(MAX_PASSES):
        for column in sealed_columns(db.metadata):
            done += _rotate_column(column, batch, progress)
        if pending() == 0:
            break
    return done


def _rotate_column(column, batch: int, progress: Callable[[int], None]) -> int:
    ring = keyring()
    kind, index = column.type.kind, column.type.index
    names = [column.name] + ([index] if index else [])
    table = sql_table(column.table.name, sql_column("id"), *map(sql_column, names))
    stored = table.c[column.name]
    current = f"{ring.current.id}:%"
    done, last = 0, 0
    while True:
        query = select(stored, table.c.id).where(
            table.c.id > last, stored.is_not(None), stored.not_like(current)
        )
        rows = db.session.execute(query.order_by(table.c.id).limit(batch)).all()
        if not rows:
            return done
        for value, row_id in rows:
            plain = ring.open(value, kind)
            values = {column.name: ring.seal(plain, kind)}
            if index:
                values[index] = ring.index(plain)
            # Only if unchanged since it was read: a newer value is already under the new key.
            changed = update(table).where(table.c.id == row_id, stored == value).values(**values)
            done += db.session.execute(changed).rowcount
        db.session.commit()
        progress(len(rows))
        last = rows[-1][1]
