"""Every model, imported here so that Alembic sees the whole schema."""

from .base import personal, utcnow
from .forum import Category, Post, Topic
from .user import ROLES, User

__all__ = ["ROLES", "Category", "Post", "Topic", "User", "personal", "utcnow"]
