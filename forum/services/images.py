"""Pictures members upload: decoded, checked and re-encoded with Pillow before anything is
kept, so that no location, camera serial, XMP or comment survives, and a file is a picture
because it decodes as one (never because of its name or the browser's word for it).

Shown in posts as Markdown images at /i/<id>; erased when the last post that shows them is
deleted, with their owner's posts when the account goes, or after a day if no post uses them.
"""

import io
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from PIL import Image as Pillow
from PIL import ImageOps, ImageSequence, UnidentifiedImageError
from sqlalchemy import delete, func, select, update

from ..extensions import db
from ..models import Image, Post, User, utcnow
from . import Forbidden, NotFound, ServiceError

DISPLAY_WIDTH = 1600
DESCRIPTION_MAX = 200
MAX_FRAMES = 300
# Pillow's format name -> ours, the Content-Type and the file extension we serve it with.
FORMATS = {
    "JPEG": ("jpeg", "image/jpeg", "jpg"),
    "PNG": ("png", "image/png", "png"),
    "WEBP": ("webp", "image/webp", "webp"),
    "GIF": ("gif", "image/gif", "gif"),
}
CONTENT_TYPES = {ours: (ctype, ext) for ours, ctype, ext in FORMATS.values()}
# An image's address in a post's Markdown: what ties a post to the pictures it shows.
IMAGE_URL = re.compile(r"/i/([A-Za-z0-9_-]{16,24})")


@dataclass(frozen=True)
class Encoded:
    format: str
    width: int
    height: int
    original: bytes
    display: bytes | None


def refuse(message: str) -> ServiceError:
    return ServiceError(message, field="image")


def _decode(data: bytes) -> Pillow.Image:
    """Open and fully decode `data` as one of FORMATS, within the pixel limit."""
    limit = current_app.config["UPLOAD_MAX_PIXELS"]
    try:
        picture = Pillow.open(io.BytesIO(data), formats=list(FORMATS))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise refuse(_("This file is not a JPEG, PNG, WebP or GIF picture.")) from None
    except Pillow.DecompressionBombError:
        raise refuse(
            _("This picture is too large: at most %(limit)s pixels.", limit=format_number(limit))
        ) from None
    width, height = picture.size
    frames = getattr(picture, "n_frames", 1)
    if width * height > limit or width * height * min(frames, MAX_FRAMES) > limit * 4:
        raise refuse(
            _("This picture is too large: at most %(limit)s pixels.", limit=format_number(limit))
        )
    if frames > MAX_FRAMES:
        raise refuse(_("This animation has too many frames: at most %(limit)s.", limit=MAX_FRAMES))
    try:
        picture.load()
    except (OSError, ValueError, SyntaxError, Pillow.DecompressionBombError):
        raise refuse(_("This picture is damaged or incomplete: it cannot be read.")) from None
    return picture


def _save(picture: Pillow.Image, fmt: str) -> bytes:
    """Write a picture with no metadata at all: only the pixels travel."""
    out = io.BytesIO()
    if fmt == "GIF":
        frames = []
        for frame in ImageSequence.Iterator(picture):
            frames.append(frame.copy())
        durations = [frame.info.get("duration", 100) for frame in frames]
        for frame in frames:
            frame.info = {}
        first, rest = frames[0], frames[1:]
        options = {"save_all": True, "append_images": rest, "duration": durations, "loop": 0}
        first.save(out, "GIF", **(options if rest else {}))
        return out.getvalue()
    picture.info = {}
    if fmt == "JPEG":
        picture.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "WEBP":
        picture.save(out, "WEBP", quality=85)
    else:
        picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def encode(data: bytes) -> Encoded:
    """Decode `data`, turn it upright, and re-encode it (and a display copy if wide)."""
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        size = current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)
        raise refuse(_("This file is too big: a picture is at most %(size)s MB.", size=size))
    picture = _decode(data)
    fmt = picture.format
    animated = getattr(picture, "n_frames", 1) > 1
    if not animated:
        # The orientation tag goes with the rest of the metadata: apply it to the pixels first.
        picture = ImageOps.exif_transpose(picture)
        if picture.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
    original = _save(picture, fmt)
    display = None
    if picture.width > DISPLAY_WIDTH and not animated:
        height = max(1, round(picture.height * DISPLAY_WIDTH / picture.width))
        display = _save(picture.resize((DISPLAY_WIDTH, height), Pillow.Resampling.LANCZOS), fmt)
    return Encoded(FORMATS[fmt][0], picture.width, picture.height, original, display)


def check_description(raw: str | None) -> str:
    """The picture's description (its alt text), required, on one line, no brackets."""
    description = " ".join((raw or "").split())
    description = description.replace("[", "(").replace("]", ")")
    if not description:
        raise ServiceError(
            _("Describe the picture in a few words, for people who cannot see it."),
            field="image_description",
        )
    if len(description) > DESCRIPTION_MAX:
        raise ServiceError(
            _(
                "A description is at most %(description_max)s characters.",
                description_max=DESCRIPTION_MAX,
            ),
            field="image_description",
        )
    return description


def upload(owner: User, data: bytes, description: str) -> tuple[Image, str]:
    """Keep a member's picture, re-encoded; the Markdown that shows it. The caller commits."""
    if not (owner and owner.is_authenticated):
        raise Forbidden(_("Only members can upload pictures."))
    description = check_description(description)
    encoded = encode(data)
    image = Image(
        id=secrets.token_urlsafe(16)[:22],
        owner_id=owner.id,
        created_at=utcnow(),
        format=encoded.format,
        width=encoded.width,
        height=encoded.height,
        original=encoded.original,
        display=encoded.display,
    )
    db.session.add(image)
    db.session.flush()
    return image, f"![{description}](/i/{image.id})"


def keys_in(body: str) -> set[str]:
    return set(IMAGE_URL.findall(body or ""))


def attach(body: str) -> None:
    """Mark the pictures a post shows as used (so the purge of orphans leaves them)."""
    keys = keys_in(body)
    if keys:
        db.session.execute(
            update(Image).where(Image.id.in_(keys), Image.attached.is_(False)).values(attached=True)
        )


def release(keys: set[str]) -> int:
    """Erase the pictures among `keys` that no remaining post shows; how many went. Call it
    after the posts that showed them were erased or deleted."""
    gone = 0
    for key in keys:
        shown = db.session.scalar(
            select(func.count(Post.id)).where(
                Post.body.contains(f"/i/{key}"), Post.deleted_at.is_(None)
            )
        )
        if not shown:
            gone += db.session.execute(delete(Image).where(Image.id == key)).rowcount
    return gone


def erase_owned_by(user: User) -> None:
    """Erase every picture a member uploaded (their account goes with its posts)."""
    db.session.execute(delete(Image).where(Image.owner_id == user.id))


def disown(user: User) -> None:
    """The account goes, its posts stay: the pictures they show stay too, without an owner."""
    db.session.execute(update(Image).where(Image.owner_id == user.id).values(owner_id=None))


def purge_unattached(now=None) -> int:
    """Erase uploads no post has shown within a day of arriving; the caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    return db.session.execute(
        delete(Image).where(Image.attached.is_(False), Image.created_at < cutoff)
    ).rowcount


def for_serving(key: str, original: bool = False) -> tuple[bytes, str, str]:
    """The bytes, Content-Type and extension of a picture (its display copy unless
    `original`), or NotFound."""
    column = Image.original if original else func.coalesce(Image.display, Image.original)
    row = db.session.execute(select(column, Image.format).where(Image.id == key)).first()
    if row is None:
        raise NotFound(_("There is no such picture."))
    content_type, ext = CONTENT_TYPES[row[1]]
    return bytes(row[0]), content_type, ext


def images_of(user: User) -> list[Image]:
    """The pictures a member uploaded, oldest first, for their export (no bytes loaded)."""
    return list(
        db.session.execute(
            select(Image.id, Image.created_at, Image.format, Image.width, Image.height)
            .where(Image.owner_id == user.id)
            .order_by(Image.created_at, Image.id)
        )
    )
