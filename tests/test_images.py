"""Pictures: accepted only by decoding, re-encoded without metadata, limited, served from
our origin with safe headers, and erased with the posts that show them."""

import io
import json
import re
from datetime import timedelta

import pytest
from PIL import Image as Pillow
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Image, Post, Topic, User
from forum.services import erasure, images, retention
from forum.services import forum as forum_service
from forum.services.deletion import delete_account
from tests.helpers import csrf_token, sign_in

IMAGE_LINK = re.compile(r"!\[([^\]]*)\]\(/i/([A-Za-z0-9_-]+)\)")


def jpeg_with_gps(size=(640, 480)) -> bytes:
    img = Pillow.new("RGB", size, (200, 80, 40))
    exif = Pillow.Exif()
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return buf.getvalue()


def encoded(fmt: str, size=(64, 48), **options) -> bytes:
    buf = io.BytesIO()
    Pillow.new("RGB", size, (10, 120, 200)).save(buf, fmt, **options)
    return buf.getvalue()


def animated_gif() -> bytes:
    frames = [Pillow.new("P", (32, 32), color) for color in (1, 2, 3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    return buf.getvalue()


def bomb() -> bytes:
    buf = io.BytesIO()
    Pillow.new("1", (20_000, 20_000)).save(buf, "PNG")  # 400 million pixels, a few kB
    return buf.getvalue()


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
)
POLYGLOT = encoded("GIF") + b"<script>alert(1)</script>PK\x03\x04"


def post_topic(client, data: bytes, filename: str, description="my rack", body="Look:"):
    token = csrf_token(client, "/c/general/new")
    return client.post(
        "/c/general/new",
        data={
            "csrf_token": token,
            "title": "Pictures",
            "body": body,
            "image": (io.BytesIO(data), filename),
            "image_description": description,
        },
        content_type="multipart/form-data",
    )


def stored_key(topic_title="Pictures") -> tuple[str, str]:
    topic = db.session.scalar(select(Topic).where(Topic.title == topic_title))
    body = db.session.scalar(select(Post.body).where(Post.topic_id == topic.id))
    return IMAGE_LINK.search(body).groups()


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (jpeg_with_gps(), "rack.jpg", "image/jpeg"),
        (encoded("PNG"), "rack.png", "image/png"),
        (encoded("WEBP"), "rack.webp", "image/webp"),
        (animated_gif(), "rack.gif", "image/gif"),
        (encoded("PNG"), "actually-a-png.jpg", "image/png"),
    ],
    ids=["jpeg", "png", "webp", "gif", "png-named-jpg"],
)
def test_accepted_pictures_are_re_encoded_and_served_safely(
    app, client, member, category, data, filename, content_type
):
    sign_in(client, member)
    response = post_topic(client, data, filename)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    description, key = stored_key()
    assert description == "my rack"
    visitor = app.test_client()
    served = visitor.get(f"/i/{key}")
    assert served.status_code == 200 and served.mimetype == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline; filename=")
    assert "max-age=31536000" in served.headers["Cache-Control"]
    assert "Set-Cookie" not in served.headers and served.headers["ETag"]
    again = visitor.get(f"/i/{key}", headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304
    picture = Pillow.open(io.BytesIO(served.data))
    assert not picture.getexif() and "comment" not in picture.info
    assert b"TestCam" not in served.data and b"secret comment" not in served.data
    page = client.get(response.location).get_data(as_text=True)
    assert f'<img src="/i/{key}" alt="my rack">' in page


def test_gps_and_camera_tags_are_gone_from_the_original_too(client, member, category):
    assert Pillow.open(io.BytesIO(jpeg_with_gps())).getexif()  # the test file has them
    sign_in(client, member)
    post_topic(client, jpeg_with_gps(), "rack.jpg")
    _, key = stored_key()
    original = client.get(f"/i/{key}/original").data
    assert not Pillow.open(io.BytesIO(original)).getexif() and b"TestCam" not in original


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (SVG, "rack.svg", "not a JPEG, PNG, WebP or GIF"),
        (SVG, "rack.png", "not a JPEG, PNG, WebP or GIF"),
        (b"%PDF-1.4 not a picture", "rack.jpg", "not a JPEG, PNG, WebP or GIF"),
        (jpeg_with_gps()[:2800], "truncated.jpg", "damaged or incomplete"),
        (jpeg_with_gps()[:600], "cut-in-header.jpg", "not a JPEG, PNG, WebP or GIF"),
        (bomb(), "bomb.png", "too large"),
        (encoded("BMP"), "rack.bmp", "not a JPEG, PNG, WebP or GIF"),
        (encoded("TIFF"), "rack.tiff", "not a JPEG, PNG, WebP or GIF"),
    ],
    ids=["svg", "svg-named-png", "pdf", "truncated", "cut-in-header", "bomb", "bmp", "tiff"],
)
def test_refused_files_get_a_clear_message_and_nothing_is_kept(
    client, member, category, data, filename, message
):
    sign_in(client, member)
    response = post_topic(client, data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Image)) == 0
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 0


def test_a_polyglot_keeps_only_its_pixels(client, member, category):
    sign_in(client, member)
    assert post_topic(client, POLYGLOT, "rack.gif").status_code == 302
    _, key = stored_key()
    served = client.get(f"/i/{key}")
    assert b"<script>" not in served.data and b"PK\x03\x04" not in served.data
    assert served.mimetype == "image/gif"


def test_a_20_mb_file_is_refused_with_413(client, member, category):
    sign_in(client, member)
    response = post_topic(client, b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024), "big.jpg")
    assert response.status_code == 413


def test_the_byte_and_pixel_limits_are_settings(app, client, member, category):
    app.config.update(UPLOAD_MAX_BYTES=10_000, UPLOAD_MAX_PIXELS=1_000)
    sign_in(client, member)
    response = post_topic(client, encoded("PNG", size=(40, 40)), "a.png")
    assert response.status_code == 422 and "at most 1,000 pixels" in response.get_data(True)
    noisy = io.BytesIO()
    Pillow.effect_noise((300, 300), 90).save(noisy, "PNG")
    app.config.update(UPLOAD_MAX_PIXELS=1_000_000)
    response = post_topic(client, noisy.getvalue(), "noise.png")
    assert response.status_code in (413, 422)
    assert db.session.scalar(select(func.count()).select_from(Image)) == 0


def test_a_description_is_required(client, member, category):
    sign_in(client, member)
    response = post_topic(client, encoded("PNG"), "a.png", description="  ")
    assert response.status_code == 422 and "Describe the picture" in response.get_data(True)


def test_uploads_per_member_are_limited(app, client, member, category):
    app.config["LIMIT_UPLOADS"] = "2 per day"
    sign_in(client, member)
    for _ in range(2):
        assert post_topic(client, encoded("PNG"), "a.png").status_code == 302
    assert post_topic(client, encoded("PNG"), "a.png").status_code == 429


def test_a_wide_picture_gets_a_display_copy_1600_wide(client, member, category):
    sign_in(client, member)
    post_topic(client, encoded("JPEG", size=(3200, 200)), "wide.jpg")
    _, key = stored_key()
    assert Pillow.open(io.BytesIO(client.get(f"/i/{key}").data)).size == (1600, 100)
    assert Pillow.open(io.BytesIO(client.get(f"/i/{key}/original").data)).size == (3200, 200)


def test_preview_keeps_the_picture_and_the_reply_form_takes_one(client, member, topic):
    sign_in(client, member)
    token = csrf_token(client, f"/t/{topic.id}/{topic.slug}")
    response = client.post(
        f"/t/{topic.id}/reply",
        data={
            "csrf_token": token,
            "body": "",
            "preview": "Preview",
            "image": (io.BytesIO(encoded("PNG")), "a.png"),
            "image_description": "a blue square",
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    (key,) = re.findall(r'<img src="/i/([A-Za-z0-9_-]+)" alt="a blue square">', page)
    assert f"![a blue square](/i/{key})" in page  # in the text box, to post
    assert db.session.get(Image, key).attached is False


def test_deleting_the_post_erases_its_picture_unless_another_post_shows_it(
    client, member, category
):
    sign_in(client, member)
    post_topic(client, encoded("PNG"), "a.png")
    _, key = stored_key()
    topic = db.session.scalar(select(Topic))
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    again = forum_service.reply(topic, member, f"Same again: ![again](/i/{key})")
    db.session.commit()
    erasure.delete_post(again, member)
    db.session.commit()
    assert client.get(f"/i/{key}").status_code == 200  # the first post still shows it
    erasure.delete_post(db.session.get(Post, first.id), member)
    db.session.commit()
    assert client.get(f"/i/{key}").status_code == 404


def test_unattached_uploads_are_purged_after_a_day(client, member, topic):
    image, _ = images.upload(member, encoded("PNG"), "unused")
    used, source = images.upload(member, encoded("PNG"), "used")
    forum_service.reply(topic, member, source)
    db.session.commit()
    image_id, used_id = image.id, used.id
    day_old = images.utcnow() - timedelta(days=1, minutes=1)
    db.session.execute(update(Image).values(created_at=day_old))
    db.session.commit()
    counts = retention.purge_all()
    assert counts["uploaded pictures no post shows"] == 1
    assert db.session.get(Image, image_id) is None and db.session.get(Image, used_id)


def test_the_export_lists_pictures_and_deleting_the_account_erases_them(
    client, member, other_member, topic
):
    mine, source = images.upload(member, encoded("PNG"), "mine")
    forum_service.reply(topic, member, source)
    theirs, source = images.upload(other_member, encoded("PNG"), "theirs")
    forum_service.reply(topic, other_member, source)
    db.session.commit()
    sign_in(client, member)
    exported = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert [p["url"] for p in exported["pictures"]] == [f"http://localhost/i/{mine.id}/original"]
    mine_id, theirs_id = mine.id, theirs.id
    delete_account(db.session.get(User, member.id), erase_posts=True)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Image, mine_id) is None and db.session.get(Image, theirs_id)
    delete_account(db.session.get(User, other_member.id), erase_posts=False)
    db.session.commit()
    assert db.session.get(Image, theirs_id).owner_id is None  # its post stays, so does it


def test_unknown_pictures_are_404(client):
    assert client.get("/i/nosuchpicture0000000").status_code == 404
    assert client.get("/i/nosuchpicture0000000/original").status_code == 404


def test_the_scripts_upload_answers_markdown_or_a_refusal(client, member, topic):
    sign_in(client, member)
    token = csrf_token(client, f"/t/{topic.id}/{topic.slug}")

    def send(data, filename, description="pasted"):
        return client.post(
            "/i/upload",
            data={
                "csrf_token": token,
                "image": (io.BytesIO(data), filename),
                "description": description,
            },
            content_type="multipart/form-data",
        )

    response = send(jpeg_with_gps(), "image.png")
    assert response.status_code == 201
    (key,) = re.findall(r"^!\[pasted\]\(/i/([A-Za-z0-9_-]+)\)$", response.json["markdown"])
    assert b"TestCam" not in client.get(f"/i/{key}").data
    refused = send(SVG, "x.svg")
    assert refused.status_code == 422 and "not a JPEG" in refused.json["error"]
    assert send(encoded("PNG"), "x.png", description="").status_code == 422
    empty = client.post("/i/upload", data={"csrf_token": token})
    assert empty.status_code == 400
    assert client.post("/i/upload", data={"image": (io.BytesIO(SVG), "x.svg")}).status_code == 400


def test_the_cookies_page_says_drafts_stay_in_the_browser(client):
    page = client.get("/privacy/cookies").get_data(as_text=True)
    assert "your browser's own storage" in page.lower() and "localStorage" in page
    assert "never sent to us" in page


def test_writing_forms_carry_the_file_field_and_the_script_hooks(client, member, topic):
    sign_in(client, member)
    for url in ("/c/general/new", f"/t/{topic.id}/{topic.slug}"):
        page = client.get(url).get_data(as_text=True)
        assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
        assert 'name="image_description"' in page and 'data-upload="/i/upload"' in page
        assert "data-draft=" in page
