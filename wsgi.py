"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from config import ConfigError
from forum import create_app

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"forum: configuration error: {exc}")
