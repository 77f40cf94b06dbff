"""Languages: the catalogs hold every string, visitors get their browser's language without
a cookie, members their chosen language and time zone, in pages and in mail."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale
from jinja2 import Environment
from markupsafe import Markup

from forum import catalogs
from forum.extensions import db
from forum.models import Notice, Post, Topic, utcnow
from forum.services import ServiceError, ledger, moderation, moderation_notices, sanctions
from forum.services import export as export_service
from forum.services import forum as forum_service
from forum.services import thanks as thanks_service
from forum.templating import absolute, relative
from tests.helpers import SAME_SITE, csrf_token, deliver, sign_in

ROOT = Path(__file__).resolve().parents[1]
TEST_TEMPLATES = Path(__file__).resolve().parent / "templates" / "i18n"

# Bare text a person reads, outside _() / ngettext(): HTML text and the attributes people
# read (title, aria-label, placeholder, alt). Code samples (<code>, <kbd>, <pre>) are not text.
_RAW = re.compile(r"<(script|style|pre|code|kbd)\b.*?</\1>|<!--.*?-->", re.S)
_TAG = re.compile(r"<[^>]*>", re.S)
_ATTR = re.compile(r'\b(?:title|aria-label|placeholder|alt|data-label)="([^"]*)"')
_LEXER = Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


def bare_text(source: str) -> list[str]:
    """The pieces of a template's own text that a person reads and no _() wraps."""
    data = "".join(v if t == "data" else "\x00" for _line, t, v in _LEXER.lex(source))
    found = [v for v in _ATTR.findall(data) if re.search(r"[A-Za-z]{2,}", v.replace("\x00", ""))]
    text = re.sub(r"&#?\w+;", " ", _TAG.sub("\x00", _RAW.sub("\x00", data)))
    found += [p.strip() for p in text.split("\x00") if re.search(r"[A-Za-z]{2,}", p)]
    return found


def templates() -> list[Path]:
    return sorted(
        p for p in (ROOT / "templates").rglob("*") if p.suffix in (".html", ".txt", ".xml")
    )


def test_no_template_holds_text_outside_gettext():
    problems = {
        str(p.relative_to(ROOT)): found for p in templates() if (found := bare_text(p.read_text()))
    }
    assert problems == {}


def test_every_extracted_string_is_in_every_catalog():
    found = catalogs.extract()
    assert len(found) > 500
    template = catalogs.read(catalogs.FOLDER / "messages.pot")
    assert catalogs.missing(found, template) == [], "run `make translations`"
    for lang in catalogs.languages()[1:]:
        po = catalogs.read(catalogs.FOLDER / lang / "LC_MESSAGES" / "messages.po")
        assert catalogs.missing(found, po) == [], f"{lang}: run `make translations`"


def test_the_checks_fail_on_an_untranslated_string():
    """Shown with a test-only template: bare text is caught, and so is a wrapped string
    that no catalog holds."""
    source = (TEST_TEMPLATES / "untranslated.html").read_text()
    assert bare_text(source) == [
        "An untranslated placeholder",
        "This sentence was never wrapped for translation.",
    ]
    # tests/templates/... matches babel.cfg's templates/**.html, as the real templates do.
    found = catalogs.extract(ROOT / "tests", ROOT / "babel.cfg")
    pot = catalogs.read(catalogs.FOLDER / "messages.pot")
    assert catalogs.missing(found, pot) == ["A sentence wrapped but missing from every catalog"]


def test_german_and_french_are_complete_and_compiled():
    assert catalogs.languages() == ["en", "de", "fr"]
    for lang, done, total in catalogs.report():
        assert done == total, f"{lang}: {total - done} messages untranslated"
        assert not catalogs.stale_compiled(lang), f"{lang}: run `make translations`"


def test_placeholders_survive_translation():
    """A translation keeps every %(name)s of its English message (a lost one is a 500)."""
    names = re.compile(r"%\((\w+)\)[sd]")
    for lang in catalogs.languages()[1:]:
        for message in catalogs.read(catalogs.FOLDER / lang / "LC_MESSAGES" / "messages.po"):
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set(names.findall(ids[-1])) - {"num"}
            for string in strings:
                assert wanted <= set(names.findall(string)), (lang, ids[0], string)


# Visitors: the browser's language, no cookie


def test_accept_language_picks_german_without_a_cookie(client, site):
    response = client.get("/", headers={"Accept-Language": "de-CH,de;q=0.9,en;q=0.5"})
    page = response.get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in page
    assert "Zum Inhalt springen" in page and "Skip to content" not in page
    assert "Accept-Language" in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers
    support = client.get("/support", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="de"' in support and "Support" in support
    topic = client.get(site.topic, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="de"' in topic and _title(site) in topic


def test_an_unknown_language_falls_back_to_english(client):
    page = client.get("/", headers={"Accept-Language": "pt-BR, ja;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page and "Skip to content" in page


def test_the_page_cache_is_split_by_language(app, client, site):
    url = site.topic
    german = client.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True)
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    french = client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    again = client.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="de"' in german and '<html lang="en"' in english
    assert '<html lang="fr"' in french and '<html lang="de"' in again
    keys = [k for k in app.extensions["pagecache"]._entries if k[0] == "topic"]
    assert {k[-3] for k in keys} == {"de", "en", "fr"}


HOSTILE_LANGUAGES = [
    "",
    "*",
    ";;;,,,q=",
    "de;q=abc",
    "de;q=-1, fr;q=0",
    "x" * 5000,
    "de-" + "a" * 300,
    "\u00e9\u00e8, zh-Hant-TW",
    "../../etc/passwd",
    "en\x00de",
    ", ".join(f"l{i};q=0.{i % 10}" for i in range(500)),
]


@pytest.mark.parametrize("header", HOSTILE_LANGUAGES)
def test_hostile_accept_language_headers(client, header):
    try:
        response = client.get("/", headers={"Accept-Language": header})
    except ValueError:  # a header the test client itself refuses to send (a NUL)
        return
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert re.search(r'<html lang="(en|de|fr)" dir="ltr">', response.get_data(as_text=True))


# Members: their choice on /account


def _choose(client, language="", timezone="UTC"):
    token = csrf_token(client, "/account")
    return client.post(
        "/account/language",
        data={"csrf_token": token, "language": language, "timezone": timezone},
        headers=SAME_SITE,
    )


def test_a_member_chooses_french_and_reads_french_pages(member_client, member, site):
    page = member_client.get("/account").get_data(as_text=True)
    assert 'name="language"' in page and 'name="timezone"' in page
    response = _choose(member_client, "fr", "Europe/Paris")
    assert response.status_code == 302
    db.session.refresh(member)
    assert (member.locale, member.timezone) == ("fr", "Europe/Paris")
    # Whatever the browser asks for: the member's choice wins.
    index = member_client.get("/", headers={"Accept-Language": "de"})
    assert '<html lang="fr" dir="ltr">' in index.get_data(as_text=True)
    account = member_client.get("/account").get_data(as_text=True)
    assert "Votre compte" in account


def test_the_choice_is_in_the_export_and_the_ledger(app, member):
    member.locale, member.timezone = "de", "Europe/Berlin"
    db.session.commit()
    profile = export_service.export_member(member)["profile"]
    assert (profile["language"], profile["time_zone"]) == ("de", "Europe/Berlin")
    columns = {(t.table, e.column) for t in ledger.ledger(db.metadata) for e in t.entries}
    assert {("users", "locale"), ("users", "timezone")} <= columns


HOSTILE_CHOICES = [
    ("xx", "UTC"),
    ("../../de", "UTC"),
    ("de\x00", "UTC"),
    ("fr" * 500, "UTC"),
    ("de", "Mars/Olympus_Mons"),
    ("de", "../../../etc/localtime"),
    ("de", "Europe/Berlin\x00"),
    ("de", "x" * 5000),
    ("de", ""),
    ("<script>", "<script>"),
]


@pytest.mark.parametrize(("language", "timezone"), HOSTILE_CHOICES)
def test_hostile_language_and_zone_values(member_client, member, language, timezone):
    response = _choose(member_client, language, timezone)
    assert response.status_code in (400, 422)
    db.session.refresh(member)
    assert member.locale is None and member.timezone is None


# Mail in the member's language (real SMTP)


def test_a_french_member_gets_french_mail(app, mailbox, member, moderator):
    member.locale = "fr"
    db.session.commit()
    sanctions.message_member(member, moderator, "Bonjour, un mot de l'équipe.")
    db.session.commit()
    [message] = deliver(mailbox)
    assert "message" in message["Subject"] and "équipe" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Bonjour juniper" in text and "Bonjour, un mot de l'équipe." in text
    assert '<html lang="fr"' in html


def test_a_sign_in_link_for_a_french_member_is_french(client, mailbox, member):
    member.locale = "fr"
    db.session.commit()
    with client.post(
        "/signin", data={"email": member.email}, headers={**SAME_SITE, "Accept-Language": "de"}
    ) as response:
        assert response.status_code == 303
    [message] = deliver(mailbox)
    assert "connexion" in message["Subject"].lower()


# Dates, times, numbers, plurals


@pytest.mark.parametrize(
    ("lang", "one", "two", "zero"),
    [
        ("en", "1 topic", "2 topics", "0 topics"),
        ("de", "1 Thema", "2 Themen", "0 Themen"),
        ("fr", "1 sujet", "2 sujets", "0 sujet"),
    ],
)
def test_ngettext_plurals(app, lang, one, two, zero):
    source = "{{ ngettext('%(num)s topic', '%(num)s topics', n, num=n|number) }}"
    with app.test_request_context(), force_locale(lang):
        assert render_template_string(source, n=1) == one
        assert render_template_string(source, n=2) == two
        assert render_template_string(source, n=0) == zero
        big = render_template_string(source, n=1200)
    assert big == {"en": "1,200 topics", "de": "1.200 Themen", "fr": "1\u202f200 sujets"}[lang]


def test_template_gettext_escapes_values_in_html_only(app):
    """The templates' own gettext (forum/i18n.py) keeps Jinja's newstyle rules: the
    translation is safe, what is put into it is escaped where the template autoescapes
    (pages) and left alone where it does not (plain-text mail)."""
    html = "{{ _('By %(member)s, %(at)s', member=name, at=when) }}"
    text = "{% autoescape false %}" + html + "{% endautoescape %}"
    with app.test_request_context():
        page = render_template_string(html, name="<b>x</b>", when="now")
        assert page == "By &lt;b&gt;x&lt;/b&gt;, now"
        assert render_template_string(text, name="<b>x</b>", when="now") == "By <b>x</b>, now"
        # Safe values are kept, numbers stay numbers (for %(num)d), anything else escaped.
        safe = render_template_string(html, name=Markup("<b>x</b>"), when=Decimal("1.5"))
        assert safe == "By <b>x</b>, 1.5"
        assert render_template_string("{{ _('page %(num)d', num=3) }}") == "page 3"
        plural = "{{ ngettext('%(num)d post', '%(num)d posts', n, what=w) }}"
        assert render_template_string(plural, n=2, w="<i>") == "2 posts"
        assert render_template_string(html, name=["<a>"], when=None) == (
            "By [&#39;&lt;a&gt;&#39;], None"
        )
        with force_locale("de"):
            assert render_template_string("{{ _('Search') }}") == "Suchen"
            assert render_template_string("{{ gettext('Search') }}") == "Suchen"


def test_relative_dates_in_german_and_french(app):
    now = utcnow()
    with app.test_request_context():
        with force_locale("de"):
            assert relative(now + timedelta(days=6, seconds=5), now) == "in 6 Tagen"
            assert relative(now - timedelta(hours=3, minutes=5), now) == "vor 3 Stunden"
            assert relative(now, now) == "gerade eben"
        with force_locale("fr"):
            assert relative(now + timedelta(days=6, seconds=5), now) == "dans 6 jours"
            assert relative(now - timedelta(hours=3, minutes=5), now) == "il y a 3 heures"
            assert relative(now, now) == "à l'instant"


def test_time_zones_never_leak_between_members_through_the_cache(
    app, client, site, member, other_member
):
    """A member in Tokyo sees Tokyo times; a visitor, and a member who chose none, see UTC,
    said as such, even right after the Tokyo member's page was cached."""
    member.timezone = "Asia/Tokyo"
    other_member.confirmed_at = utcnow()
    db.session.commit()
    url = site.topic
    created = db.session.get(Topic, site.topic_id).created_at
    sign_in(client, member)
    tokyo = client.get(url).get_data(as_text=True)
    assert "Asia/Tokyo" in tokyo
    local = (created + timedelta(hours=9)).strftime("%-I:%M")
    assert local in tokyo
    other = app.test_client()
    sign_in(other, other_member)
    page = other.get(url).get_data(as_text=True)
    assert "Asia/Tokyo" not in page and " UTC" in page
    visitor = app.test_client().get(url).get_data(as_text=True)
    assert "Asia/Tokyo" not in visitor and " UTC" in visitor
    with app.test_request_context():
        assert absolute(created).endswith(" UTC")


def test_visitors_are_told_times_are_utc(client):
    page = client.get("/").get_data(as_text=True)
    assert "Times are shown in UTC" in page


def test_the_account_page_offers_the_browser_zone_only_as_a_default(member_client, member):
    """The script selects the browser's zone in the form; nothing is saved until the member
    presses Save (the browser test checks the script; here: the page's parts)."""
    page = member_client.get("/account").get_data(as_text=True)
    assert 'id="browser-zone"' in page and "forum.js" in page
    db.session.refresh(member)
    assert member.timezone is None
    _choose(member_client, "", "UTC")
    page = member_client.get("/account").get_data(as_text=True)
    assert 'id="browser-zone"' not in page


def test_users_columns_are_added_without_rebuilding_the_table():
    source = (
        ROOT / "migrations/versions/a7e3c9d1f5b2_member_language_and_time_zone.py"
    ).read_text()
    upgrade = source.split("def upgrade():")[1].split("def downgrade():")[0]
    assert "op.add_column" in upgrade and "batch_alter_table" not in upgrade


def test_user_content_is_never_translated(client, site):
    """A post's words are shown as written, whatever the reader's language."""
    for lang in ("de", "fr"):
        page = client.get(site.topic, headers={"Accept-Language": lang}).get_data(as_text=True)
        assert _title(site) in page


def _title(site) -> str:
    return db.session.get(Topic, site.topic_id).title


@pytest.mark.parametrize(
    ("words", "query", "lang"),
    [
        ("Die Straßenbahn fährt über die Brücke.", "Brücke", "de"),
        ("Les élèves déjà arrivés attendent à la gare.", "élèves", "fr"),
        ("Die Häuser am Fluss sind alt.", "Häuser", "fr"),
    ],
)
def test_search_finds_words_of_every_language(client, category, member, words, query, lang):
    """German and French text is found on both engines, whatever the reader's language
    (PostgreSQL keeps its 'english' configuration: see README, Languages)."""
    forum_service.create_topic(category, member, "Ein Thema, un sujet", words)
    db.session.commit()
    page = client.get(
        "/search", query_string={"q": query}, headers={"Accept-Language": lang}
    ).get_data(as_text=True)
    assert f"<mark>{query}</mark>" in page
    assert words.split(query)[1][:8] in page


def test_no_function_hides_gettext_behind_a_local_underscore():
    """`post, _ = ...` in a function that also calls _() makes that call a TypeError."""
    import ast

    found = []
    for path in (ROOT / "forum").rglob("*.py"):
        for fn in ast.walk(ast.parse(path.read_text())):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names = [n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == "_"]
            if any(isinstance(n.ctx, ast.Store) for n in names) and any(
                isinstance(n.ctx, ast.Load) for n in names
            ):
                found.append(f"{path.relative_to(ROOT)}: {fn.name}")
    assert found == []


# Notifications and thanks notices follow the recipient, not whoever caused them


def _subject(message) -> str:
    return " ".join(str(message["Subject"]).split())


def test_a_notification_mail_is_in_the_recipients_language_not_the_posters(
    app, topic, member, other_member, mailbox
):
    member.locale = "fr"
    member.mail_replies = "now"
    db.session.commit()
    # The reply is written from a German browser: the mail follows the member's choice.
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        forum_service.reply(topic, other_member, "Eine Antwort")
        db.session.commit()
    [message] = deliver(mailbox)
    assert "tomasz a répondu à votre sujet « First topic »" in _subject(message)
    text = message.get_body(("plain",)).get_content()
    assert "Vous recevez ces e-mails parce que vous les avez demandés." in text
    assert '<html lang="fr"' in message.get_body(("html",)).get_content()


def test_a_digest_is_in_the_members_language(app, runner, topic, member, other_member, mailbox):
    member.locale = "de"
    member.mail_replies = "digest"
    db.session.commit()
    forum_service.reply(topic, other_member, "One reply")
    db.session.commit()
    assert "Queued 1 digests" in runner.invoke(args=["mail", "digest"]).output
    [message] = [m for _, m in mailbox.messages]
    assert _subject(message).endswith(": 1 neue Benachrichtigung")
    text = message.get_body(("plain",)).get_content()
    assert "tomasz hat auf dein Thema „First topic“ geantwortet" in text


def test_a_thanks_notice_is_written_in_the_authors_language(app, post, member, other_member):
    app.config["THANKS_NOTIFY"] = True
    other_member.locale = "fr"
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert thanks_service.thank(thanks_service.thankable_post(post.id, member), member)
        db.session.commit()
    [notice] = db.session.scalars(db.select(Notice).where(Notice.kind == "thanks"))
    assert notice.text == "juniper a remercié votre message n° 2 dans « First topic »."


@pytest.mark.parametrize(
    "kind, phrase",
    [
        ("feedback", "Wir haben dein Feedback auf"),
        ("support", "Wir haben deine Support-Frage auf"),
        ("staff", "Wir haben deine Nachricht über einen Moderator auf"),
    ],
)
def test_the_support_receipt_names_the_kind_in_the_sentence(client, mailbox, kind, phrase):
    # Not the label lower-cased ("deine feedback", "support-frage"): a phrase of its own.
    data = {"kind": kind, "subject": "Eine Frage", "message": "Text", "email": "v@example.org"}
    headers = {**SAME_SITE, "Accept-Language": "de"}
    assert client.post("/support", data=data, headers=headers).status_code == 303
    [message] = deliver(mailbox)
    text = " ".join(message.get_body(("plain",)).get_content().split())
    html = " ".join(message.get_body(("html",)).get_content().split())
    assert phrase in text and phrase in html


def test_the_data_page_says_why_how_long_and_who_in_the_readers_language(app, client):
    days = app.config["IP_RETENTION_DAYS"]
    english = client.get("/privacy/data").get_data(as_text=True)
    assert f"erased after {days} days" in english and "IP_RETENTION_DAYS" not in english
    german = client.get("/privacy/data", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert f"{days} Tage lang aufbewahrt, dann gelöscht" in german
    assert "nie verwendet, um Besucher zu identifizieren" in german
    assert ">Inhalt<" in german and "bis du dein Konto löschst" in german
    assert "until you delete your account" not in german and "IP_RETENTION_DAYS" not in german
    french = client.get("/privacy/data", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f"effacée après {days} jours" in french and ">contenu<" in french


def test_a_refused_topic_change_is_one_sentence_in_each_language(app, topic, moderator):
    moderation.set_topic_flag(topic, moderator, "lock", "Off topic for now")
    db.session.commit()
    for lang, sentence in [
        ("de", "Das Thema ist schon geschlossen."),
        ("fr", "Le sujet est déjà verrouillé."),
    ]:
        with force_locale(lang), pytest.raises(ServiceError) as refused:
            moderation.set_topic_flag(topic, moderator, "lock", "Off topic again")
        assert refused.value.message == sentence
    with force_locale("de"), pytest.raises(ServiceError) as refused:
        moderation.set_topic_flag(topic, moderator, "unpin", "Not pinned at all")
    assert refused.value.message == "Das Thema ist nicht angeheftet."


def test_the_moderation_log_speaks_the_staff_members_language(admin_client, admin, topic):
    admin.locale = "de"
    db.session.commit()
    moderation.set_topic_flag(topic, admin, "lock", "Off topic for now")
    db.session.commit()
    page = admin_client.get("/staff/log").get_data(as_text=True)
    assert "hat ein Thema geschlossen" in page
    # The filter's options start with a capital and keep the nouns' capitals.
    assert ">Hat ein Thema geschlossen</option>" in page and "locked a topic" not in page


def test_moderation_notices_are_written_in_the_members_language(app, member, moderator, topic):
    """A notice is kept as text: it is written in its reader's language, whoever acts."""
    member.locale = "de"
    db.session.commit()
    post = db.session.scalar(db.select(Post).where(Post.topic_id == topic.id))
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        moderation_notices.post_hidden(post, moderator, "Werbung")
        moderation_notices.topic_changed(topic, moderator, "move", "Passt besser", "Anderswo")
        moderation_notices.unsuspended(member, moderator)
    db.session.commit()
    texts = sorted(n.text for n in db.session.scalars(db.select(Notice)))
    assert any(
        t.startswith("Dein Beitrag #1 in „") and "von der Moderation ausgeblendet" in t
        for t in texts
    ), texts
    assert any("nach Anderswo verschoben. Grund: Passt besser" in t for t in texts), texts
    assert "Deine Sperre wurde aufgehoben: Du kannst wieder schreiben." in texts
    # A member who chose no language reads English.
    member.locale = None
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        moderation_notices.unsuspended(member, moderator)
    db.session.commit()
    assert "Your suspension was lifted: you can write again." in {
        n.text for n in db.session.scalars(db.select(Notice))
    }
