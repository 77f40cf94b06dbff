"""Forms for writing topics and posts."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.forum import TITLE_MAX, TITLE_MIN
from . import Form


class PictureFields:
    """A picture to add to the post, with its description (checked by services/images)."""

    image = FileField(_l("Add a picture (JPEG, PNG, WebP or GIF)"))
    image_description = StringField(_l("Describe the picture, for people who cannot see it"))


class ReplyForm(PictureFields, Form):
    body = TextAreaField(
        _l("Your reply"), validators=[DataRequired(message=_l("A post needs some text."))]
    )
    submit = SubmitField(_l("Post reply"))
    preview = SubmitField(_l("Preview"))


class TopicForm(PictureFields, Form):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("A topic needs a title.")),
            Length(
                min=TITLE_MIN,
                max=TITLE_MAX,
                message=_l(
                    "A title is %(title_min)s to %(title_max)s characters long.",
                    title_min=TITLE_MIN,
                    title_max=TITLE_MAX,
                ),
            ),
        ],
    )
    body = TextAreaField(
        _l("Message"), validators=[DataRequired(message=_l("A post needs some text."))]
    )
    submit = SubmitField(_l("Start topic"))
    preview = SubmitField(_l("Preview"))


class EditPostForm(PictureFields, Form):
    body = TextAreaField(
        _l("Post"), validators=[DataRequired(message=_l("A post needs some text."))]
    )
    submit = SubmitField(_l("Save changes"))
    preview = SubmitField(_l("Preview"))


class DeletePostForm(Form):
    submit = SubmitField(_l("Delete this post"))
