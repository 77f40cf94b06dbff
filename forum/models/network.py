"""Network-tag keys: the secret of each period, destroyed when the period ends."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class NetworkTagKey(db.Model):
    """The secret that network tags of one period are made with; destroyed when it ends."""

    __tablename__ = "network_tag_keys"

    period: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
