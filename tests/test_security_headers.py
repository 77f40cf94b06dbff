"""Strict headers on every response, and templates that need no inline script."""

import re

import pytest

from tests.helpers import ROOT


@pytest.mark.parametrize("path", ["/", "/c/general", "/nowhere", "/static/style.css", "/u/juniper"])
def test_every_response_carries_the_security_headers(client, category, member, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_production_adds_hsts_and_secure_cookies(monkeypatch):
    from tests.helpers import make_app

    app = make_app(SESSION_COOKIE_SECURE=True)
    assert "Strict-Transport-Security" in app.test_client().get("/nowhere").headers


def test_templates_have_no_inline_script_or_event_handlers():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert "style=" not in text, path


def test_no_asset_comes_from_another_origin(client, topic):
    for path in ["/", "/c/general", f"/t/{topic.id}/{topic.slug}"]:
        page = client.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert not url.startswith(("http:", "https:", "//")), (path, url)
    css = (ROOT / "static" / "style.css").read_text()
    assert "url(" not in css and "@import" not in css
