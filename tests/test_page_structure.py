"""Every page kind, as a visitor, a member and staff, parsed as HTML: a language, a title,
one <h1>, landmarks, labelled fields, errors tied to their fields, and scripts only where
there is something to write. The checker itself is `problems_of` in tests/helpers.py."""

import pytest

from tests.helpers import (
    NOT_FOUND_PAGES,
    csrf_token,
    form_token,
    member_pages,
    problems_of,
    sign_in,
    staff_pages,
    staff_routes_without_arguments,
    visitor_pages,
)


def check_pages(client, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        response = client.get(path)
        expected = 404 if path in NOT_FOUND_PAGES else 200
        assert response.status_code == expected, (path, response.status_code)
        assert response.mimetype == "text/html", path
        found += [f"{path}: {p}" for p in problems_of(response.get_data(as_text=True))]
    return found


def test_every_page_kind_for_a_visitor(client, site):
    assert check_pages(client, visitor_pages(site)) == []


def test_every_page_kind_for_a_member(member_client, site, member):
    assert check_pages(member_client, member_pages(site)) == []


def test_every_page_kind_for_staff(app, admin_client, site, admin):
    paths = staff_pages(site) + staff_routes_without_arguments(app)
    assert check_pages(admin_client, list(dict.fromkeys(paths))) == []


def test_forms_sent_back_with_errors_tie_each_error_to_its_field(member_client, site):
    token = csrf_token(member_client, site.category + "/new")
    pages = [
        member_client.post(site.category + "/new", data={"csrf_token": token, "title": "x"}),
        member_client.post(f"/t/{site.topic_id}/reply", data={"csrf_token": token, "body": " "}),
        member_client.post(f"/p/{site.post_id}/edit", data={"csrf_token": token, "body": ""}),
    ]
    for response in pages:
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert 'aria-invalid="true"' in html
        assert problems_of(html) == []


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/register", {"username": "x", "email": "not an address"}),
        ("/signin", {"email": "nobody"}),
        ("/support", {"kind": "support", "subject": "", "message": ""}),
    ],
)
def test_visitor_forms_sent_back_with_errors(client, site, path, data):
    response = client.post(path, data={**data, "form_token": form_token(client, path)})
    assert response.status_code == 422, response.status_code
    html = response.get_data(as_text=True)
    assert html.count('aria-invalid="true"') >= 1
    assert problems_of(html) == []


def test_the_checker_finds_what_it_looks_for():
    """Each rule above really fails a page that breaks it (so the tests can fail)."""
    good = (
        '<!doctype html><html lang="en"><head><title>A · Forum</title></head><body>'
        '<a href="#main">Skip</a><header><nav>n</nav></header><main id="main"><h1>A</h1>'
        '<label for="t">T</label><input id="t" name="t" aria-invalid="true" '
        'aria-describedby="t-error"><p class="error" id="t-error">Bad.</p>'
        "</main><footer>f</footer></body></html>"
    )
    assert problems_of(good) == []
    broken = {
        "no lang": good.replace(' lang="en"', ""),
        "title": good.replace("A · Forum", " · Forum"),
        "2 <h1>": good.replace("<h1>A</h1>", "<h1>A</h1><h1>B</h1>"),
        "no <footer>": good.replace("<footer>f</footer>", ""),
        "no skip link": good.replace('href="#main"', 'href="/"'),
        "has no label": good.replace('<label for="t">T</label>', ""),
        "not tied to its error": good.replace(' aria-describedby="t-error"', ""),
        "missing 't-error'": good.replace('id="t-error"', 'id="other"'),
        "duplicate id": good.replace("<h1>A</h1>", '<h1 id="t">A</h1>'),
        "has no alt": good.replace("<h1>A</h1>", '<h1>A</h1><img src="/x.png">'),
    }
    for expected, html in broken.items():
        found = problems_of(html)
        assert any(expected in p for p in found), (expected, found)


def test_the_optional_script_is_only_where_there_is_something_to_write(client, site, member):
    script = '<script src="/static/forum.js" defer></script>'
    for path in visitor_pages(site):
        assert "<script" not in client.get(path).get_data(as_text=True), path
    sign_in(client, member)
    assert script in client.get(site.topic).get_data(as_text=True)
    assert script in client.get(site.category + "/new").get_data(as_text=True)
    assert "<script" not in client.get(site.long_topic).get_data(as_text=True)  # no form: page 1
    assert client.get("/static/forum.js").status_code == 200
