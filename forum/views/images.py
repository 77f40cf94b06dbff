"""Pictures members uploaded, served from our own origin only."""

from flask import Blueprint, current_app, request

from ..services import images

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
