"""The privacy policy, versioned: every published version is kept, none is ever edited."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class PolicyVersion(db.Model):
    """One published version of the policy; the highest number is the current one."""

    __tablename__ = "policy_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One line saying what changed since the version before, shown to members in a notice.
    summary: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Rendered and sanitized once, when published.
    html: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<PolicyVersion {self.version}>"
