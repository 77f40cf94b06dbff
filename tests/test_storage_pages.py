"""Every page that describes what is stored agrees with the ledger, in plain words
(issue 19, items 11 and 12): the policy, the data page, the account page and the export."""

import json
import re

from sqlalchemy import Column, Integer, MetaData, String, Table

from forum.extensions import db
from forum.models.base import ip_address
from forum.services import forum as forum_service
from forum.services import ledger
from tests.helpers import sign_in


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _address_columns() -> dict[str, list[str]]:
    """Table -> its declared network-address columns, from the models' declarations."""
    found: dict[str, list[str]] = {}
    for table in db.metadata.tables.values():
        for column in table.columns:
            info = ledger.declaration(column)
            if info and info["category"] == "network" and "ip" in column.name.split("_"):
                found.setdefault(table.name, []).append(column.name)
    return found


def test_every_storage_page_names_the_same_places_for_addresses(app, client, member, topic):
    forum_service.reply(topic, member, "A second post.", ip="192.0.2.7")
    db.session.commit()
    columns = _address_columns()
    assert set(columns) == {"users", "login_tokens", "posts", "support_requests"}
    assert ledger.unnamed(db.metadata) == []

    policy = _text(client.get("/privacy").get_data(as_text=True))
    data_page = client.get("/privacy/data").get_data(as_text=True)
    sign_in(client, member)
    account = _text(client.get("/account").get_data(as_text=True))
    export = json.loads(client.get("/account/data.json").get_data(as_text=True))

    for table in columns:
        place = ledger.NETWORK_PLACES[table]
        assert place in policy.split("Network (IP) addresses", 1)[1].split("Statistics")[0], place
        assert place in account.split("Network addresses", 1)[1].split("Download")[0], place
        assert f"<caption>{ledger.TABLE_LABELS[table]}</caption>" in data_page
        for column in columns[table]:
            assert ledger.COLUMN_LABELS[(table, column)] in data_page
    # The export carries the address beside each kind of thing the member has.
    assert "signup_ip" in export["profile"]
    assert all("ip" in post for post in export["posts"])
    assert export["posts"][-1]["ip"] == "192.0.2.7"
    assert all("ip" in s for s in export["sign_in_history"])


def test_the_data_page_speaks_plain_words(client):
    page = client.get("/privacy/data").get_data(as_text=True)
    assert not re.search(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", _text(page))
    for table in db.metadata.tables:
        assert f"<caption>{table}</caption>" not in page
    assert "erased after 30 days" in page and "90 days, or until you delete" in page


def test_a_table_without_plain_names_is_caught():
    metadata = MetaData()
    Table(
        "gadgets",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner_ip", String(45), info=ip_address("testing", purge="remove_old_ips")),
    )
    assert ledger.unnamed(metadata) == [
        "gadgets: no plain name in TABLE_LABELS",
        "gadgets: keeps an address but is not in NETWORK_PLACES",
    ]
