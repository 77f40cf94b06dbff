"""A member shows a picture and takes it back, in a real browser: a JPEG carrying GPS tags
goes up through the form's file field (a phone, no JavaScript, light), is pasted into the
text box (a phone, JavaScript, light) or dropped into it (a desktop, JavaScript, dark); the post shows it with its description, the
served file has no EXIF and sets no cookie for a visitor; the member deletes the post and
the picture is gone. With JavaScript, a draft survives a reload and is gone after posting."""

import base64
import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image as Pillow
from playwright.sync_api import expect

from tests.browser.helpers import WIDTHS, signed_in

pytestmark = pytest.mark.browser

TITLE = "My rack, finally tidy"


def jpeg_with_gps() -> bytes:
    img = Pillow.new("RGB", (640, 480), (200, 80, 40))
    exif = Pillow.Exif()
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


# A picture handed to the text box as a paste (from the clipboard) or a drop (dragged in).
GIVE = """([data, name, how]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
  const box = document.querySelector("textarea[name=body]");
  box.focus();
  const event = how === "paste"
    ? new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true })
    : new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true });
  box.dispatchEvent(event);
}"""

CASES = [(375, False, "light"), (375, True, "light"), (1280, True, "dark")]
assert {width for width, _, _ in CASES} == set(WIDTHS)


def _axe(v, reports: list, name: str, twin=None) -> None:
    """axe-core on the page `v` shows. axe runs as a script in the page, so for a member
    without JavaScript it runs on the same address in `twin`, the same member's browser
    with JavaScript on (same width and colour scheme): the same served page."""
    page = v.page
    if twin is not None:
        twin.goto(page.url.removeprefix(v.base_url))
        page = twin.page
    results = Axe().run(page)
    if results.violations_count:
        reports.append(f"--- {name} ({page.url}):\n{results.generate_report()}")


IDS = ["phone-no-js-light", "phone-js-paste-light", "desktop-js-drop-dark"]


@pytest.mark.parametrize(("width", "script", "scheme"), CASES, ids=IDS, indirect=["width"])
def test_upload_show_serve_and_delete_a_picture(
    app, category, member, open_visit, width, script, scheme
):
    v = signed_in(app, open_visit, "juniper", java_script_enabled=script, color_scheme=scheme)
    twin = None if script else signed_in(app, open_visit, "juniper", color_scheme=scheme)
    page, reports = v.page, []
    v.goto("/c/general/new")
    _axe(v, reports, "new topic", twin)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Message").fill("Cables in loops, labels on both ends.")
    if script:
        # The draft survives a reload, from the browser's own storage.
        page.wait_for_function(
            "() => Object.keys(localStorage).some(k => k.startsWith('forum-draft:'))"
        )
        page.reload()
        expect(page.get_by_label("Message")).to_have_value("Cables in loops, labels on both ends.")
        expect(page.get_by_label("Title")).to_have_value(TITLE)
        page.once("dialog", lambda dialog: dialog.accept("my rack"))
        how = "paste" if width < 1280 else "drop"
        page.evaluate(GIVE, [base64.b64encode(jpeg_with_gps()).decode(), "rack.jpg", how])
        expect(page.get_by_label("Message")).to_have_value(re.compile(r"!\[my rack\]\(/i/[\w-]+\)"))
        expect(page.get_by_role("status").filter(has_text="Picture added.")).to_be_visible()
    else:
        page.get_by_label("Add a picture").set_input_files(
            files=[{"name": "rack.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
        )
        page.get_by_label("Describe the picture").fill("my rack")
    page.get_by_role("button", name="Start topic").click()
    page.wait_for_url(re.compile(r"/t/\d+/my-rack-finally-tidy$"))

    picture = page.get_by_role("img", name="my rack")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 640
    src = picture.get_attribute("src")
    assert re.fullmatch(r"/i/[\w-]+", src)
    _axe(v, reports, "topic with a picture", twin)

    # A visitor fetching the picture: the right type, no EXIF, no cookie.
    visitor = open_visit(refuse_cookies=False)
    served = visitor.page.request.get(v.base_url + src)
    assert served.status == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in served.headers
    assert not Pillow.open(io.BytesIO(served.body())).getexif()
    assert b"TestCam" not in served.body()
    assert visitor.context.cookies() == []

    if script:
        # The draft was forgotten when the post was sent.
        assert page.evaluate("() => Object.keys(localStorage).length") == 0
        v.goto("/c/general/new")
        expect(page.get_by_label("Message")).to_have_value("")
        page.go_back()

    # The member deletes the post: a confirmation, then the topic (no replies) goes whole.
    page.locator("article.post").first.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your post?")
    _axe(v, reports, "delete confirmation", twin)
    page.get_by_role("button", name="Delete this post").click()
    page.wait_for_url(re.compile(r"/c/general$"))
    expect(page.get_by_role("status")).to_have_text("Your topic was deleted.")
    assert visitor.page.request.get(v.base_url + src).status == 404
    assert reports == [], "\n".join(reports)
    assert v.page_errors == [] and v.csp_errors() == []
