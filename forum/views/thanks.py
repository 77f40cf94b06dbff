"""Thanks: thanking a post and taking it back (POST forms, no script), and the list of who
thanked a post, for its author only."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import limiter
from ..forms.thanks import ThanksForm
from ..security import member_required, writer_required
from ..services import thanks
from .actions import run

bp = Blueprint("thanks", __name__)

thanks_limit = limiter.limit(
    lambda: current_app.config["LIMIT_THANKS"],
    methods=["POST"],
    key_func=lambda: f"member:{current_user.get_id()}",
    scope="thanks",
)


def _back(post_id: int):
    return redirect(url_for("forum.post", post_id=post_id), code=303)


@bp.post("/p/<int:post_id>/thanks")
@writer_required
@thanks_limit
def thank(post_id):
    """Thank a post (sending the form twice thanks it once)."""
    post = thanks.thankable_post(post_id, current_user)
    done, added = run(ThanksForm(), lambda _form: thanks.thank(post, current_user))
    if done and added:
        flash(_("You thanked this post."))
    elif not done:
        flash(_("This post cannot be thanked."))
    return _back(post_id)


@bp.post("/p/<int:post_id>/thanks/withdraw")
@member_required
@thanks_limit
def withdraw(post_id):
    """Take back your thanks for a post."""
    post = thanks.thankable_post(post_id, current_user)
    done, gone = run(ThanksForm(), lambda _form: thanks.withdraw(post, current_user))
    if done and gone:
        flash(_("Your thanks was withdrawn."))
    return _back(post_id)


@bp.get("/p/<int:post_id>/thanked-by")
@member_required
def thankers(post_id):
    """Who thanked one of your posts, and when: shown to you alone."""
    post = thanks.thankable_post(post_id, current_user)
    people = thanks.thankers(post, current_user)
    return render_template("thanks/thankers.html", post=post, people=people)
