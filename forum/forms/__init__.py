"""Form classes: they validate input and never write to the database."""

from flask_babel import format_number
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import StringField

from ..services.text import strip_non_text


def number(n: int) -> LazyString:
    """A number for a lazy message, written as the reader's locale writes it when shown."""
    return LazyString(format_number, n)


class Form(FlaskForm):
    """The base of every form: text fields lose what no text may hold, once, on the way in.

    A title with U+FFFF in it would make every Atom feed invalid XML; stripping such
    characters here covers every field of every form, present and future.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                options["filters"] = (*options.get("filters", ()), strip_non_text)
            return unbound_field.bind(form=form, **options)


def add_service_error(form, exc) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
