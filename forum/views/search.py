"""Search: one page, for visitors and members alike, that works without cookies or script."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from ..extensions import limiter, reads_only
from ..forms import add_service_error
from ..forms.search import SearchForm
from ..services import NotFound, ServiceError
from ..services import search as search_service
from ..templating import kept

bp = Blueprint("search", __name__)


@bp.get("/search")
@limiter.limit(lambda: current_app.config["LIMIT_SEARCH"], scope="search")
def search():
    """Results for ?q=, with filters by category, author and dates, best match first."""
    reads_only()
    form = SearchForm(formdata=request.args)
    categories = search_service.category_choices()
    form.set_categories(categories)
    query = search_service.parse_query(form.q.data)
    results = None
    status = 200
    if form.validate():
        try:
            filters = search_service.resolve_filters(
                form.category.data, form.author.data, form.since.parsed, form.until.parsed
            )
            results = search_service.search(query, filters, request.args.get("page"), current_user)
        except NotFound:
            raise  # a page past the last one: 404
        except ServiceError as exc:
            add_service_error(form, exc)
            status = 400
    else:
        status = 400
    # The pager keeps the filters; the query is the parsed, possibly shortened, text.
    keep = {name: request.args.get(name, "") for name in ("category", "author", "from", "to")}
    keep = {"q": query.text} | {name: value for name, value in keep.items() if value}
    # Blank filters, as most searches leave them, are rendered once per language and list of
    # categories (the key names all they show).
    filters = None
    if form.filters_blank:
        filters = kept("search/_filters.html", tuple(map(tuple, categories)), form=form)
    return render_template(
        "search/results.html", form=form, query=query, results=results, keep=keep, filters=filters
    ), status
