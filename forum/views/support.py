"""The support and feedback form, and the public answers made from requests."""

import re

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..extensions import db, limiter
from ..forms import add_service_error
from ..forms.support import SupportForm
from ..models.support import KINDS
from ..security import client_ip, cookieless_form, form_token
from ..services import ServiceError, support
from .actions import send_mail_after_response

bp = Blueprint("support", __name__)
REFERENCE = re.compile(r"S-\d{6,9}")


def _signed_in_user():
    return current_user if current_user.is_authenticated else None


@bp.route("/support", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LIMIT_SUPPORT"], methods=["POST"])
@cookieless_form
def ask():
    """Ask for help, give feedback or make a privacy request; no account or cookie needed."""
    form = SupportForm()
    user = _signed_in_user()
    if form.validate_on_submit():
        if form.website.data:
            # A bot filled in the hidden field: answer as if all went well, keep nothing.
            return redirect(url_for("support.sent"), code=303)
        submission = support.Submission(
            kind=form.kind.data,
            subject=form.subject.data,
            message=form.message.data,
            email=None if user else form.email.data,
            no_publish=form.no_publish.data,
            user=user,
            ip=client_ip(),
            about=form.about.data,
        )
        try:
            sent = support.submit_request(submission)
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
        else:
            db.session.commit()
            send_mail_after_response()
            mailed = int(bool(user or sent.email))
            return redirect(url_for("support.sent", ref=sent.reference, mailed=mailed), code=303)
    form.form_token.data = form_token()
    status = 422 if request.method == "POST" else 200
    return render_template("support/form.html", form=form, user=user), status


@bp.get("/support/sent")
def sent():
    """The confirmation page, with the reference number to quote."""
    ref = request.args.get("ref", "")
    return render_template(
        "support/sent.html",
        reference=ref if REFERENCE.fullmatch(ref) else None,
        mailed=request.args.get("mailed") == "1",
    )


@bp.get("/support/answers")
def answers():
    """Published answers, grouped by kind, with a simple search."""
    search = request.args.get("q", "")
    groups = support.published_answers(search)
    return render_template("support/answers.html", groups=groups, kinds=KINDS, search=search)


@bp.get("/support/answers/<int:answer_id>")
@bp.get("/support/answers/<int:answer_id>-<slug>")
def answer(answer_id, slug=None):
    """One published answer, at its permanent address."""
    published = support.get_answer(answer_id)
    if slug != published.slug:
        return redirect(answer_url(published), code=301)
    return render_template("support/answer.html", answer=published)


def answer_url(published, **kwargs) -> str:
    return url_for("support.answer", answer_id=published.id, slug=published.slug, **kwargs)
