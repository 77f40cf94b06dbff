"""Every model, imported here so that Alembic sees the whole schema."""

from .accounts import LoginToken, MemberSession
from .announcements import Announcement
from .base import personal, utcnow
from .forum import Category, Post, Topic
from .mail import OutboxMessage
from .privacy import PolicyVersion
from .reading import TopicRead
from .staff import (
    AgreementAcceptance,
    AgreementVersion,
    ModerationLog,
    NetworkTagKey,
    PostRevision,
    Report,
    RevealLog,
)
from .stats import StatDaily, StatHourly, StatSalt, StatSeen
from .support import SupportAnswer, SupportEvent, SupportRequest
from .user import ROLES, User

__all__ = [
    "ROLES",
    "AgreementAcceptance",
    "AgreementVersion",
    "Announcement",
    "Category",
    "LoginToken",
    "MemberSession",
    "ModerationLog",
    "NetworkTagKey",
    "OutboxMessage",
    "PolicyVersion",
    "Post",
    "PostRevision",
    "Report",
    "RevealLog",
    "StatDaily",
    "StatHourly",
    "StatSalt",
    "StatSeen",
    "SupportAnswer",
    "SupportEvent",
    "SupportRequest",
    "Topic",
    "TopicRead",
    "User",
    "personal",
    "utcnow",
]
