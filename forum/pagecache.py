"""A small in-process cache of whole pages, one rendering per audience.

Everyone in an audience (visitors; members; moderators; admins) sees the same page but
for their own parts, which the page carries as markers filled in per request
(forum/audience.py): so a page rendered once can be served again until it changes. Keys
carry the row's revision counter, read from the database on every view, which every write
to a topic, its posts or its category bumps, so a change shows at once on every app
server; entries also expire after PAGE_CACHE_SECONDS so that relative dates ("5 minutes
ago") stay roughly true. Nothing for one member alone is ever kept here.
"""

import threading
import time
from collections import OrderedDict

from flask import Flask, current_app


class PageCache:
    """A thread-safe LRU of rendered pages with a time limit."""

    def __init__(self, size: int, seconds: float):
        self.size = size
        self.seconds = seconds
        self._entries: OrderedDict[tuple, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple, page: str) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.seconds, page)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def init_app(app: Flask) -> None:
    app.extensions["pagecache"] = PageCache(
        app.config["PAGE_CACHE_SIZE"], app.config["PAGE_CACHE_SECONDS"]
    )


def cache() -> PageCache | None:
    """This app's page cache, or None when it is turned off (PAGE_CACHE_SIZE=0)."""
    pages = current_app.extensions["pagecache"]
    return pages if pages.size > 0 else None
