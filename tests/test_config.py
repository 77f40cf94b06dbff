"""Configuration from the environment; production refuses to start without a real key;
`flask db upgrade` and gunicorn work with only DATABASE_URL, MAIL_URL and SECRET_KEY set."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

import config
from tests.conftest import DATABASE_URL, ROOT

BIN = os.path.dirname(sys.executable)


def _env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env.update(extra)
    return env


def test_development_is_the_default(monkeypatch):
    monkeypatch.delenv("FORUM_ENV", raising=False)
    assert config.load()["ENV_NAME"] == "development"


def test_unknown_variant_is_refused():
    with pytest.raises(config.ConfigError, match="FORUM_ENV must be one of"):
        config.load("staging")


def test_production_without_a_secret_key_stops_with_one_line(tmp_path):
    env = _env(tmp_path, FORUM_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
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


def test_postgres_urls_get_the_psycopg_driver():
    assert config._database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"


def test_upgrade_then_gunicorn_with_only_three_variables(tmp_path):
    database = f"sqlite:///{tmp_path}/prod.db"
    if DATABASE_URL.startswith("postgresql"):
        pytest.skip("this deployment check runs on the SQLite pass")
    env = _env(
        tmp_path,
        DATABASE_URL=database,
        MAIL_URL=f"file://{tmp_path}/mail",
        SECRET_KEY="k" * 64,
        FORUM_ENV="production",
    )
    upgrade = subprocess.run(
        [f"{BIN}/flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert upgrade.returncode == 0, upgrade.stderr
    server = subprocess.Popen(
        [f"{BIN}/gunicorn", "wsgi:app", "-b", "127.0.0.1:0", "-w", "1", "--no-control-socket"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        port = _listening_port(server)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
            assert "Set-Cookie" not in response.headers
            assert "Strict-Transport-Security" in response.headers
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def _listening_port(server) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
        if match:
            return int(match.group(1))
        if server.poll() is not None:
            break
    raise AssertionError("gunicorn did not start")
