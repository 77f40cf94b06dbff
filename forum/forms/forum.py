"""Forms for writing topics and posts."""

from flask_wtf.file import FileField
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.forum import TITLE_MAX, TITLE_MIN
from . import Form


class PictureFields:
    """A picture to add to the post, with its description (checked by services/images)."""

    image = FileField("Add a picture (JPEG, PNG, WebP or GIF)")
    image_description = StringField("Describe the picture, for people who cannot see it")


class ReplyForm(PictureFields, Form):
    body = TextAreaField("Your reply", validators=[DataRequired(message="A post needs some text.")])
    submit = SubmitField("Post reply")
    preview = SubmitField("Preview")


class TopicForm(PictureFields, Form):
    title = StringField(
        "Title",
        validators=[
            DataRequired(message="A topic needs a title."),
            Length(
                min=TITLE_MIN,
                max=TITLE_MAX,
                message=f"A title is {TITLE_MIN} to {TITLE_MAX} characters long.",
            ),
        ],
    )
    body = TextAreaField("Message", validators=[DataRequired(message="A post needs some text.")])
    submit = SubmitField("Start topic")
    preview = SubmitField("Preview")


class EditPostForm(PictureFields, Form):
    body = TextAreaField("Post", validators=[DataRequired(message="A post needs some text.")])
    submit = SubmitField("Save changes")
    preview = SubmitField("Preview")


class DeletePostForm(Form):
    submit = SubmitField("Delete this post")
