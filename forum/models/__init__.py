"""Every model, imported here so that Alembic sees the whole schema."""

from .accounts import LoginToken, MemberSession
from .announcements import Announcement
from .base import personal, utcnow
from .disclosure import AgreementAcceptance, AgreementVersion, RevealLog
from .forum import Category, Post, PostDeletion, PostRevision, Topic
from .images import Image
from .mail import OutboxMessage
from .moderation import ModerationLog
from .network import NetworkTagKey
from .notices import NOTICE_KINDS, Notice
from .privacy import PolicyVersion
from .reading import TopicRead
from .reports import Report
from .stats import StatDaily, StatHourly, StatSalt, StatSeen
from .support import SupportAnswer, SupportEvent, SupportRequest
from .thanks import Thanks
from .transparency import (
    DISCLOSURE_FIELDS,
    DISCLOSURE_KINDS,
    DISCLOSURE_OUTCOMES,
    DisclosureRecord,
)
from .user import ROLES, User
from .watching import Watch

__all__ = [
    "DISCLOSURE_FIELDS",
    "DISCLOSURE_KINDS",
    "DISCLOSURE_OUTCOMES",
    "NOTICE_KINDS",
    "ROLES",
    "AgreementAcceptance",
    "AgreementVersion",
    "Announcement",
    "Category",
    "DisclosureRecord",
    "Image",
    "LoginToken",
    "MemberSession",
    "ModerationLog",
    "NetworkTagKey",
    "Notice",
    "OutboxMessage",
    "PolicyVersion",
    "Post",
    "PostDeletion",
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
    "Thanks",
    "Topic",
    "TopicRead",
    "User",
    "Watch",
    "personal",
    "utcnow",
]
