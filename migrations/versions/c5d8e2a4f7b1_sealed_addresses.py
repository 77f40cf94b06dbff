"""sealed addresses: email and IP addresses encrypted under DATA_KEY, blind indexes

Revision ID: c5d8e2a4f7b1
Revises: a7c3e5f1d9b2
Create Date: 2026-12-01 12:00:00.000000

Every stored email and IP address is sealed (forum/sealing.py) with the DATA_KEY the
migration runs under; users.email_index and outbox.to_index hold the addresses' blind
indexes, and the unique constraint moves from the address to its index. Downgrading opens
every value again (it needs the same key).

On SQLite the posts table is not rebuilt (its search triggers would go with it): SQLite does
not enforce VARCHAR lengths, so its ip column keeps its declared VARCHAR(45) and holds the
longer sealed text all the same.
"""
from alembic import op
import sqlalchemy as sa

from forum.sealing import SEALED, keyring


# revision identifiers, used by Alembic.
revision = 'c5d8e2a4f7b1'
down_revision = 'a7c3e5f1d9b2'
branch_labels = None
depends_on = None

# (table, column, kind, nullable, blind index column)
COLUMNS = [
    ('users', 'email', 'email', False, 'email_index'),
    ('users', 'signup_ip', 'ip', True, None),
    ('login_tokens', 'new_email', 'email', True, None),
    ('login_tokens', 'ip', 'ip', True, None),
    ('posts', 'ip', 'ip', True, None),
    ('support_requests', 'email', 'email', True, None),
    ('support_requests', 'ip', 'ip', True, None),
    ('outbox', 'to_address', 'email', False, 'to_index'),
]
OLD_TYPES = {'email': sa.String(length=254), 'ip': sa.String(length=45)}
BATCH = 500


def _tables():
    return sorted({table for table, *_ in COLUMNS})


def _alter_types(to_sealed):
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in _tables():
        if sqlite and table == 'posts':
            continue
        kwargs = {'table_kwargs': {'sqlite_autoincrement': True}} if table == 'users' else {}
        with op.batch_alter_table(table, schema=None, **kwargs) as batch_op:
            for name, column, kind, nullable, _index in COLUMNS:
                if name != table:
                    continue
                old, new = OLD_TYPES[kind], sa.String()
                batch_op.alter_column(
                    column,
                    type_=new if to_sealed else old,
                    existing_type=old if to_sealed else new,
                    existing_nullable=nullable,
                )


def _rewrite(change):
    """Pass every stored value of every address column through `change`, in batches."""
    conn = op.get_bind()
    for table, column, kind, _nullable, index in COLUMNS:
        cols = [sa.column('id'), sa.column(column)] + ([sa.column(index)] if index else [])
        t = sa.table(table, *cols)
        last = 0
        while True:
            rows = conn.execute(
                sa.select(t.c.id, t.c[column])
                .where(t.c.id > last, t.c[column].is_not(None))
                .order_by(t.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for row_id, value in rows:
                values = change(value, kind, index)
                if values is not None:
                    conn.execute(sa.update(t).where(t.c.id == row_id).values(**{
                        (column if key == 'value' else key): v for key, v in values.items()
                    }))
            last = rows[-1][0]


def _seal(value, kind, index):
    ring = keyring()
    already = SEALED.match(value) is not None
    plain = ring.open(value, kind) if already else value
    values = {} if already else {'value': ring.seal(plain, kind)}
    if index:
        values[index] = ring.index(plain)
    return values or None


def _open(value, kind, index):
    if not SEALED.match(value):
        return None
    return {'value': keyring().open(value, kind)}


def upgrade():
    for table, index in (('users', 'email_index'), ('outbox', 'to_index')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(index, sa.String(length=64), nullable=True))
    _alter_types(to_sealed=True)
    _rewrite(_seal)
    with op.batch_alter_table(
        'users', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_constraint('uq_users_email', type_='unique')
        batch_op.alter_column('email_index', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_email_index'), ['email_index'])
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('to_index', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f('ix_outbox_to_index'), ['to_index'], unique=False)


def downgrade():
    _rewrite(_open)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_to_index'))
        batch_op.drop_column('to_index')
    with op.batch_alter_table(
        'users', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_email_index'), type_='unique')
        batch_op.drop_column('email_index')
        batch_op.create_unique_constraint('uq_users_email', ['email'])
    _alter_types(to_sealed=False)
