"""Sealed columns: email and IP addresses stored encrypted, so a copy of the database (a
leaked backup, a stolen disk, a careless dump) reveals no one.

Values are sealed with AES-256-GCM under a key derived from DATA_KEY, and stored as
"<key id>:<base64url(nonce + ciphertext + tag)>". The key id says which key opens a value,
so that after DATA_KEY changes the old key (DATA_KEY_OLD) still opens what `keys rotate`
has not yet re-sealed. Addresses are found through a blind index: an HMAC-SHA256 of the
case-folded address under a second key derived from DATA_KEY, kept in its own column.
"""

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from sqlalchemy import String, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.types import TypeDecorator

# A sealed value: 8 hex digits of key id, a colon, base64url. No email address (it has an @)
# and no IP address (IPv6 groups have at most 4 hex digits) looks like this.
SEALED = re.compile(r"^([0-9a-f]{8}):([A-Za-z0-9_-]+)$")
NONCE_BYTES = 12


class SealError(RuntimeError):
    """A sealed value that no configured key opens."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


@dataclass(frozen=True)
class Key:
    """One DATA_KEY, expanded: its id, its sealing key and its blind-index key."""

    id: str
    aead: AESGCM
    index_key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> "Key":
        key_id = _derive(secret, b"forum key id v1")[:4].hex()
        aead = AESGCM(_derive(secret, b"forum sealing v1"))
        return cls(key_id, aead, _derive(secret, b"forum blind index v1"))

    def index(self, address: str) -> str:
        return hmac.new(self.index_key, address.casefold().encode(), hashlib.sha256).hexdigest()


class Keyring:
    """The current key (sealing, indexing) and the old keys still accepted for opening."""

    def __init__(self, current: str, old: list[str] | tuple[str, ...] = ()):
        self.current = Key.from_secret(current)
        self.keys = {self.current.id: self.current}
        for secret in old:
            key = Key.from_secret(secret)
            self.keys.setdefault(key.id, key)

    def seal(self, plaintext: str, kind: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.current.aead.encrypt(nonce, plaintext.encode(), kind.encode())
        token = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
        return f"{self.current.id}:{token}"

    def open(self, value: str, kind: str) -> str:
        match = SEALED.match(value)
        if match is None:
            raise SealError("not a sealed value")
        key = self.keys.get(match.group(1))
        if key is None:
            raise SealError(f"sealed under key id {match.group(1)}, which no DATA_KEY given has")
        raw = base64.urlsafe_b64decode(match.group(2) + "=" * (-len(match.group(2)) % 4))
        try:
            plain = key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], kind.encode())
        except InvalidTag:
            raise SealError(f"a value under key id {key.id} does not open") from None
        return plain.decode()

    def index(self, address: str) -> str:
        """The blind index of an address under the current key (what is written)."""
        return self.current.index(address)

    def indexes(self, address: str) -> list[str]:
        """The blind index under every key: what a lookup matches while keys rotate."""
        return [key.index(address) for key in self.keys.values()]


def init_app(app: Flask) -> None:
    old = [s.strip() for s in (app.config.get("DATA_KEY_OLD") or "").split(",") if s.strip()]
    app.extensions["sealing"] = Keyring(app.config["DATA_KEY"], old)


def keyring() -> Keyring:
    """The app's keyring; sealed columns are read and written inside an app context."""
    return current_app.extensions["sealing"]


def index_of(address: str) -> str:
    """The blind index to store beside an address."""
    return keyring().index(address)


def index_matches(column, address: str):
    """A WHERE clause: the blind index `column` is that of `address` (under any key)."""
    return column.in_(keyring().indexes(address))


class Sealed(TypeDecorator):
    """A column whose values are sealed on the way in and opened on the way out.

    `kind` ("email" or "ip") is bound into each value as associated data, so a value copied
    into a column of another kind does not open. Sealed values cannot be compared in SQL
    (each sealing differs): look addresses up through their blind index instead.
    """

    impl = String
    cache_ok = True

    def __init__(self, kind: str, index: str | None = None):
        super().__init__()
        self.kind = kind
        # The column of the same row that holds this value's blind index, if it has one.
        self.index = index

    class Comparator(TypeDecorator.Comparator):
        def operate(self, op, *other, **kwargs):
            # Comparing with an address would quietly match nothing: say so at once.
            if any(isinstance(o, str | list | tuple | set) for o in other):
                raise TypeError(
                    "A sealed column cannot be compared with a value; use its blind index."
                )
            return super().operate(op, *other, **kwargs)

    comparator_factory = Comparator

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring().seal(str(value), self.kind)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return keyring().open(value, self.kind)


def sealed_columns(metadata) -> list:
    """Every sealed column of the schema, users' email first (the one the start checks)."""
    columns = [
        column
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Sealed)
    ]
    return sorted(columns, key=lambda c: (c.table.name, c.name) != ("users", "email"))


def raw_values(column):
    """A SELECT of a sealed column's stored text (not opened), its NULLs left out."""
    stored = sql_column(column.name)
    return select(stored).select_from(sql_table(column.table.name)).where(stored.is_not(None))


def check_key(app: Flask, engine, metadata) -> str | None:
    """Why the configured keys cannot open the data already stored, or None if they can.

    Opens one sealed value (a member's address if there is one). A database without the
    tables yet, or with values not sealed yet (a migration to run), is not an error here.
    """
    ring: Keyring = app.extensions["sealing"]
    # Through the app's pool, and the connection stays there: on SQLite, closing the last
    # connection of a process checkpoints and may delete the -wal and -shm files under
    # other processes' feet (a worker's writes would then ignore their locks).
    try:
        with engine.connect() as conn:
            for column in sealed_columns(metadata):
                value = conn.scalar(raw_values(column).limit(1))
                if value is None:
                    continue
                if SEALED.match(value) is None:
                    return None
                try:
                    ring.open(value, column.type.kind)
                except SealError as exc:
                    return (
                        f"DATA_KEY does not open the data already stored ({column.table.name}."
                        f"{column.name}: {exc}). Start with the DATA_KEY the data was sealed "
                        f"under; while keys rotate, give the old one as DATA_KEY_OLD."
                    )
                return None
    except (OperationalError, ProgrammingError):
        return None
    return None
