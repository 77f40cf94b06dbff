"""Search: one page, for visitors and members alike, that works without cookies or script."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from ..extensions import limiter, reads_only
from ..forms import add_service_error
from ..forms.search import SearchForm
from ..i18n import reader
from ..services import NotFound, ServiceError
from ..services import search as search_service
from ..services.search_engines import Hit
from ..templating import id_link, kept, time_element

bp = Blueprint("search", __name__)


# The filters' parameters: a search given none of them has no form to check.
FILTERS = ("category", "author", "from", "to")


@bp.get("/search")
@limiter.limit(lambda: current_app.config["LIMIT_SEARCH"], scope="search")
def search():
    """Results for ?q=, with filters by category, author and dates, best match first."""
    reads_only()
    args = request.args
    # Most searches give words only, and words are any text: there is nothing to check, and
    # the form is built only when a filter is given (WTForms cost such a page 5%), or for
    # the blank filters' part, rendered once (below).
    form = SearchForm(formdata=args) if any(args.get(name) for name in FILTERS) else None
    # A category asked for is checked against the list. With none (most searches) the list
    # is only shown, and the search reads it with its ranking: a round trip less.
    categories = None
    if form is not None and form.category.data:
        categories = search_service.category_choices()
        form.set_categories(categories)
    query = search_service.parse_query(args.get("q"))
    results = None
    status = 200
    if form is None or form.validate():
        try:
            filters = (
                search_service.resolve_filters(
                    form.category.data, form.author.data, form.since.parsed, form.until.parsed
                )
                if form is not None
                else search_service.Filters()
            )
            results = search_service.search(
                query, filters, args.get("page"), current_user, categories=categories is None
            )
        except NotFound:
            raise  # a page past the last one: 404
        except ServiceError as exc:
            form = form or SearchForm(formdata=args)
            add_service_error(form, exc)
            status = 400
    else:
        status = 400
    if categories is None:  # read with the ranking, unless no search ran
        categories = (
            results.categories if results is not None else search_service.category_choices()
        )
        if form is not None:
            form.set_categories(categories)
    # The pager keeps the filters; the query is the parsed, possibly shortened, text.
    keep = {name: args.get(name, "") for name in FILTERS}
    keep = {"q": query.text} | {name: value for name, value in keep.items() if value}
    # Blank filters, as most searches leave them, are rendered once per language and list of
    # categories (the key names all they show).
    filters = None
    if form is None or form.filters_blank:
        filters = kept(
            "search/_filters.html",
            tuple(map(tuple, categories)),
            lambda: {"form": _blank_form(categories)},
        )
    items = hit_items(results.hits) if results is not None else None
    return render_template(
        "search/results.html",
        form=form,
        query=query,
        results=results,
        items=items,
        keep=keep,
        filters=filters,
    ), status


def _blank_form(categories) -> SearchForm:
    """The form as a search with no filters shows it."""
    form = SearchForm(formdata=None)
    form.set_categories(categories)
    return form


def hit_items(hits: list[Hit]) -> Markup:
    """The results' <li> items (what templates/search/results.html shows for each hit).

    Written out here rather than as the template's loop: each item took Jinja some 220
    calls (a yield through three generators per piece, an escape and a Markup per value),
    a fifth of a rare word's page; this renders a page of 20 in 0.69 ms, not 0.86. What a
    hit shows from the database or a member is escaped (titles and snippets come from
    search.highlight, already escaped and marked).
    """
    if not hits:
        return Markup("")
    now = reader()
    # The reader's catalog, straight: Flask-Babel's gettext looks up the locale every call.
    catalog = now.catalog
    hidden = escape(catalog.ugettext("hidden"))
    badge = f' <span class="badge">{hidden}</span>'
    former = catalog.ugettext("a former member")
    post_link = id_link("forum.post", "post_id")
    label = {
        "post": catalog.ugettext("Post in %(category)s"),
        "topic": catalog.ugettext("Topic in %(category)s"),
        "answer": catalog.ugettext("Support answer"),
    }
    byline = {
        "post": catalog.ugettext("By %(member)s, %(at)s"),
        "topic": catalog.ugettext("Started by %(member)s, %(at)s"),
        "answer": catalog.ugettext("Published %(at)s"),
    }
    items = []
    for hit in hits:
        kind = hit.kind
        at = time_element(hit.at, now)
        if kind == "post":  # its title, unmarked (the words were looked for in the post)
            link, title, excerpt = post_link(hit.id), hit.title_html, hit.snippet
        elif kind == "topic":
            link = url_for("forum.topic", topic_id=hit.id, slug=hit.slug)
            title, excerpt = hit.title_html, None
        else:
            link = url_for("support.answer", answer_id=hit.id, slug=hit.slug)
            title, excerpt = hit.title_html, hit.snippet or None
        values = {
            "category": escape(hit.category),
            "member": escape(hit.author or former),
            "at": at,
        }
        items.append(
            f'  <li class="result result-{kind}">\n'
            f'    <p class="result-kind muted">{label[kind] % values}</p>\n'
            f'    <h2><a href="{escape(link)}">{title}</a>{badge if hit.hidden else ""}</h2>\n'
            + (f'    <p class="excerpt">{excerpt}</p>\n' if excerpt is not None else "")
            + f'    <p class="muted">{byline[kind] % values}</p>\n'
            "  </li>\n"
        )
    return Markup("".join(items))  # noqa: S704 (every value escaped above)
