"""Configuration from the environment; production refuses to start without a real key;
`flask db upgrade` and gunicorn work with only DATABASE_URL, MAIL_URL and SECRET_KEY set."""

import os
import subprocess
import sys
import urllib.request

import pytest

import config
from tests.helpers import DATABASE_URL, ROOT
from tests.servers import base_env, flask_command, gunicorn

BIN = os.path.dirname(sys.executable)


def test_development_is_the_default(monkeypatch):
    monkeypatch.delenv("FORUM_ENV", raising=False)
    assert config.load()["ENV_NAME"] == "development"


def test_unknown_variant_is_refused():
    with pytest.raises(config.ConfigError, match="FORUM_ENV must be one of"):
        config.load("staging")


def test_production_without_a_secret_key_stops_with_one_line(tmp_path):
    env = base_env(FORUM_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_short_key(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "short")
    with pytest.raises(config.ConfigError, match="SECRET_KEY is too short"):
        config.load("production")


def test_the_sqlite_cache_is_set_on_each_connection_and_refused_below_one_mb(monkeypatch, tmp_path):
    monkeypatch.setattr(config.TestingConfig, "SQLITE_CACHE_MB", 0)
    with pytest.raises(config.ConfigError, match="SQLITE_CACHE_MB must be at least 1"):
        config.load("testing")
    from forum import create_app
    from forum.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/c.db", "SQLITE_CACHE_MB": 24}
    )
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -24 * 1024


def test_postgres_urls_get_the_psycopg_driver():
    assert config._database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"


def test_upgrade_then_gunicorn_with_only_five_variables(tmp_path):
    if DATABASE_URL.startswith("postgresql"):
        pytest.skip("this deployment check runs on the SQLite pass")
    env = base_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/prod.db",
        MAIL_URL=f"file://{tmp_path}/mail",
        SECRET_KEY="k" * 64,
        DATA_KEY="d" * 43,
        SITE_URL="https://127.0.0.1",
        FORUM_ENV="production",
    )
    upgrade = flask_command(env, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    with gunicorn(env) as url, urllib.request.urlopen(url + "/", timeout=10) as response:
        assert response.status == 200
        assert "Set-Cookie" not in response.headers
        assert "Strict-Transport-Security" in response.headers
