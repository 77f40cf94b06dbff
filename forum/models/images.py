"""Pictures members upload: decoded and re-encoded on arrival, kept in the database.

In the database rather than on a disk: every app server sees an upload at once, and
`flask backup` / `restore` carry the pictures with the posts that show them.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..catalogs import N_
from ..extensions import db
from .base import personal, utcnow

_PICTURE = personal(
    "content",
    N_("a picture you uploaded (re-encoded: no location, camera or other metadata survives)"),
    N_(
        "until the posts that show it are deleted, or you delete your account; a picture no "
        "post shows is erased after a day"
    ),
    N_("everyone who has its address"),
    purge="purge_unattached_images",
)


class Image(db.Model):
    __tablename__ = "images"
    __table_args__ = (Index("ix_images_attached_created", "attached", "created_at"),)

    # A random key, so that an upload not yet in a post cannot be found by counting.
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "jpeg", "png", "webp" or "gif": the format it was re-encoded to.
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    original: Mapped[bytes] = mapped_column(LargeBinary, info=_PICTURE)
    # A copy at most DISPLAY_WIDTH wide, for the page; None when the original is that small.
    display: Mapped[bytes | None] = mapped_column(LargeBinary, info=_PICTURE)
    # Set once a post shows it; unattached uploads older than a day are purged.
    attached: Mapped[bool] = mapped_column(default=False, server_default=false())
