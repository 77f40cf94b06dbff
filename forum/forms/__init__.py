"""Form classes: they validate input and never write to the database."""


def add_service_error(form, exc) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
