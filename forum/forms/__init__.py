"""Form classes: they validate input and never write to the database."""
