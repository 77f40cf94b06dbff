"""Forms for admins: categories."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..services.categories import CATEGORY_DESCRIPTION_MAX, CATEGORY_NAME_MAX, TOPIC_STARTERS
from . import Form
from .moderation import reason_field


class CategoryForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Give the category a name.")),
            Length(
                max=CATEGORY_NAME_MAX,
                message=_l(
                    "At most %(category_name_max)s characters.", category_name_max=CATEGORY_NAME_MAX
                ),
            ),
        ],
    )
    description = StringField(
        _l("Description"),
        validators=[
            Optional(),
            Length(
                max=CATEGORY_DESCRIPTION_MAX,
                message=_l(
                    "At most %(category_description_max)s characters.",
                    category_description_max=CATEGORY_DESCRIPTION_MAX,
                ),
            ),
        ],
    )
    position = IntegerField(
        _l("Position (lower comes first)"),
        default=0,
        validators=[Optional(), NumberRange(0, 10_000, message=_l("0 to 10,000."))],
    )
    topic_starters = SelectField(
        _l("Who may start topics (anyone may reply)"),
        choices=[SelectChoice(value, label) for value, label in TOPIC_STARTERS.items()],
        default="everyone",
        validate_choice=False,
    )
    submit = SubmitField(_l("Save"))


class ArchiveForm(Form):
    reason = reason_field(required=False)
    submit = SubmitField(_l("Archive"))
