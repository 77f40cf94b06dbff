"""The data ledger: personal data is declared where it is defined, and purged by a rule."""

from sqlalchemy import Column, Integer, MetaData, String, Table

from forum.extensions import db
from forum.models import OutboxMessage, utcnow
from forum.models.base import ip_address, personal
from forum.sealing import Sealed
from forum.services import ledger
from forum.services.deletion import delete_account
from forum.services.retention import ON_REQUEST, RULES, purge_all


def test_every_personal_column_is_declared_with_a_rule(app):
    assert ledger.check(db.metadata) == []


def test_an_undeclared_email_column_fails_the_check():
    metadata = MetaData()
    Table("newsletter", metadata, Column("id", Integer, primary_key=True), Column("email", String))
    assert ledger.check(metadata) == ["newsletter.email looks personal but is not declared"]


def test_suspect_names_and_types_are_caught():
    metadata = MetaData()
    Table(
        "visits",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("User_Agent", String(200)),
        Column("client_ip", String(64)),
        Column("origin", String(45)),
        Column("full_name", String(80)),
        Column("description", String(80)),
    )
    problems = ledger.check(metadata)
    for column in ("User_Agent", "client_ip", "origin", "full_name"):
        assert f"visits.{column} looks personal but is not declared" in problems
    assert not any("description" in p for p in problems)


def test_a_retention_without_a_rule_fails_the_check():
    metadata = MetaData()
    declared = personal(
        "contact", "testing", "a while", "no one", purge="forget_someday", sealed=True
    )
    pending = personal("content", "testing", "kept", "staff", purge="pending-rule")
    on_request = personal(
        "contact", "testing", "until deleted", "you", purge="account-deletion", sealed=True
    )
    ruled = ip_address("testing", purge="remove_old_ips")
    Table(
        "things",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("email", Sealed("email"), info=declared),
        Column("message", String, info=pending),
        Column("address", Sealed("email"), info=on_request),
        Column("ip", Sealed("ip"), info=ruled),
    )
    ledger.PENDING_RULES["pending-rule"] = "a rule accepted knowingly while it is built"
    try:
        assert ledger.check(metadata) == [
            "things.email: no purge rule named 'forget_someday' in services/retention.py"
        ]
    finally:
        del ledger.PENDING_RULES["pending-rule"]


def test_addresses_kept_readable_fail_the_check():
    metadata = MetaData()
    email = personal("contact", "testing", "until deleted", "you", purge="account-deletion")
    lookup = personal("contact", "lookups", "until deleted", "no one", purge="account-deletion")
    Table(
        "members",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("email", String(254), info=email),
        Column("email_index", String(64), info=lookup),
        Column("signup_ip", String(45), info=ip_address("testing", purge="remove_old_ips")),
        Column("recovery_email", Sealed("email"), info=email),
    )
    assert ledger.check(metadata) == [
        "members.email holds an address but is not sealed",
        "members.signup_ip: declared sealed=True, but sealed is False",
        "members.recovery_email: declared sealed=False, but sealed is True",
    ]


def test_every_address_column_is_sealed_and_says_so(client):
    sealed = {
        (t.name, c.name)
        for t in db.metadata.sorted_tables
        for c in t.columns
        if isinstance(c.type, Sealed)
    }
    assert sealed == {
        ("users", "email"),
        ("users", "signup_ip"),
        ("login_tokens", "new_email"),
        ("login_tokens", "ip"),
        ("posts", "ip"),
        ("support_requests", "email"),
        ("support_requests", "ip"),
        ("outbox", "to_address"),
        # The values handed over in a disclosure outside the staff: addresses, sealed again.
        ("disclosure_records", "handed_over"),
    }
    page = client.get("/privacy/data").get_data(as_text=True)
    assert page.count("sealed (encrypted)") == len(sealed)


def test_the_pending_rules_are_few_and_known():
    # Each of these is a promise not yet kept by code; shrink this list, never grow it quietly.
    assert set(ledger.PENDING_RULES) == set()
    assert not set(ledger.PENDING_RULES) & (set(RULES) | set(ON_REQUEST))


def test_account_deletion_is_a_real_rule():
    # Columns kept "until you delete your account" name this rule; it is the deletion service.
    assert "account-deletion" not in ledger.PENDING_RULES
    assert ON_REQUEST["account-deletion"][1] is delete_account
    assert not set(ON_REQUEST) & set(RULES)


def test_the_data_page_is_generated_from_the_declarations(client):
    page = client.get("/privacy/data").get_data(as_text=True)
    for label in ("Your account", "Sign-in links", "Posts", "Support requests", "Mail waiting"):
        assert f"<caption>{label}" in page
    assert "Network address you registered from" in page
    assert "erased after 30 days" in page and "IP_RETENTION_DAYS" not in page
    assert "Email" in page and "sign-in links and, if you ask for them" in page
    # Not personal: the statistics and the categories are not listed.
    assert "stat_daily" not in page and "<caption>categories" not in page
    assert "Set-Cookie" not in client.get("/privacy/data").headers


def test_purge_drops_expired_mail(app):
    past = utcnow()
    db.session.add(
        OutboxMessage(
            to_address="a@example.org",
            subject="s",
            text_body="t",
            html_body="h",
            expires_at=past,
            message_id="<x@example.org>",
        )
    )
    db.session.commit()
    assert purge_all()["expired messages"] == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
