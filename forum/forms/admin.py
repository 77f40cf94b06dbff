"""Forms for admins: categories."""

from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..services.categories import CATEGORY_DESCRIPTION_MAX, CATEGORY_NAME_MAX, TOPIC_STARTERS
from . import Form
from .moderation import reason_field


class CategoryForm(Form):
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Give the category a name."),
            Length(max=CATEGORY_NAME_MAX, message=f"At most {CATEGORY_NAME_MAX} characters."),
        ],
    )
    description = StringField(
        "Description",
        validators=[
            Optional(),
            Length(
                max=CATEGORY_DESCRIPTION_MAX,
                message=f"At most {CATEGORY_DESCRIPTION_MAX} characters.",
            ),
        ],
    )
    position = IntegerField(
        "Position (lower comes first)",
        default=0,
        validators=[Optional(), NumberRange(0, 10_000, message="0 to 10,000.")],
    )
    topic_starters = SelectField(
        "Who may start topics (anyone may reply)",
        choices=[SelectChoice(value, label) for value, label in TOPIC_STARTERS.items()],
        default="everyone",
        validate_choice=False,
    )
    submit = SubmitField("Save")


class ArchiveForm(Form):
    reason = reason_field(required=False)
    submit = SubmitField("Archive")
