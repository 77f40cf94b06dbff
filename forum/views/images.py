"""Pictures members uploaded, served from our own origin only."""

from flask import Blueprint, current_app, request
from flask_login import current_user

from ..extensions import db
from ..security import writer_required
from ..services import ServiceError, images
from .forum import posting_limit, upload_limit

bp = Blueprint("images", __name__)

YEAR = 365 * 24 * 3600


def _serve(image_id: str, original: bool):
    data, content_type, ext = images.for_serving(image_id, original)
    # A picture never changes once stored: its id is its version.
    etag = f"{image_id}-{'o' if original else 'd'}"
    response = current_app.response_class(data, mimetype=content_type)
    response.set_etag(etag)
    response.headers["Content-Disposition"] = f'inline; filename="picture-{image_id}.{ext}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response.make_conditional(request)


@bp.get("/i/<image_id>")
def show(image_id):
    """A picture as posts show it (at most 1600 pixels wide)."""
    return _serve(image_id, original=False)


@bp.get("/i/<image_id>/original")
def original(image_id):
    """A picture as it was uploaded (re-encoded, without metadata)."""
    return _serve(image_id, original=True)


@bp.post("/i/upload")
@writer_required
@posting_limit
@upload_limit
def upload():
    """Keep a picture pasted or dropped into a post's text box (the script's way); answer
    the Markdown that shows it, or the refusal, as JSON."""
    file = request.files.get("image")
    if not (file and file.filename):
        return {"error": "Choose a picture to upload."}, 400
    try:
        _, source = images.upload(current_user, file.read(), request.form.get("description"))
    except ServiceError as exc:
        db.session.rollback()
        return {"error": exc.message}, 422
    db.session.commit()
    return {"markdown": source}, 201
