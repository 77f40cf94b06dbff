"""Visitor statistics: the recording hook, the public trends page and its JSON API."""

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..extensions import limiter
from ..services import stats as service
from ..services import stats_report as reports
from . import errors

bp = Blueprint("stats", __name__)
# Registering the blueprint gives the app its buffer of counters (None when STATS_ENABLED=0).
bp.record_once(lambda state: service.init_app(state.app))

CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 730, 180, 16


def _is_staff_page(path: str) -> bool:
    """Moderation and staff pages (every blueprint's /staff/...) are never counted."""
    return path == "/staff" or path.startswith("/staff/")


def count_page_view(response):
    """after_request hook: count a page view, unless it is none or the browser asks not to be.

    It runs on every request, so it reads the WSGI environ directly (each `request.x` goes
    through a context proxy and some parse headers): a few microseconds in all.
    """
    recorder = current_app.extensions.get("stats")
    if recorder is None or response.status_code != 200:
        return response
    req = request._get_current_object()
    environ = req.environ
    if (
        environ["REQUEST_METHOD"] != "GET"
        or not (response.content_type or "").startswith("text/html")
        or req.url_rule is None
        or req.url_rule.endpoint == "static"
        or _is_staff_page(environ.get("PATH_INFO", ""))
        or environ.get("HTTP_SEC_GPC") == "1"
        or environ.get("HTTP_DNT") == "1"
    ):
        return response
    user_agent = environ.get("HTTP_USER_AGENT", "")
    if service.is_bot(user_agent):
        return response
    endpoint = req.url_rule.endpoint
    topic_id = req.view_args.get("topic_id") if endpoint == "forum.topic" else None
    view = service.PageView(
        endpoint=endpoint,
        topic_id=topic_id,
        user_agent=user_agent,
        accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        referrer=environ.get("HTTP_REFERER", ""),
        host=environ.get("HTTP_HOST", ""),
        address=environ.get("REMOTE_ADDR", ""),
    )
    try:
        recorder.record(view)
    except Exception:  # counting must never cost a visitor their page
        current_app.logger.exception("statistics: a page view could not be counted")
    return response


def _period(raw: str | None) -> int | None:
    if raw is None:
        return reports.PERIODS[0]
    return int(raw) if raw in {str(p) for p in reports.PERIODS} else None


def chart(series: list[dict], key: str) -> dict:
    """Bars for a server-rendered SVG chart of one value per day."""
    peak = max((row[key] for row in series), default=0)
    scale = max(peak, 1)
    step = CHART_WIDTH / max(len(series), 1)
    height = CHART_HEIGHT - CHART_TOP
    bars = []
    for n, row in enumerate(series):
        h = round(row[key] / scale * height, 1)
        bars.append(
            {
                "x": round(n * step, 2),
                "y": round(CHART_HEIGHT - h, 1),
                "width": round(max(step * 0.8, 0.5), 2),
                "height": h,
                "day": row["day"],
                "value": row[key],
            }
        )
    return {"bars": bars, "peak": peak, "width": CHART_WIDTH, "height": CHART_HEIGHT}


@bp.get("/stats")
def report():
    """The public trends report: page views, browsers, languages, referrers, activity."""
    period = _period(request.args.get("period"))
    if period is None:
        abort(400, f"The period must be one of {', '.join(map(str, reports.PERIODS))} days.")
    data = reports.report(period, current_app.config["STATS_MIN_COUNT"])
    charts = {
        "views": chart(data["views"]["days"], "views"),
        "posts": chart(data["posts"], "count"),
        "members": chart(data["members"], "count"),
    }
    return render_template(
        "stats/report.html", report=data, charts=charts, periods=reports.PERIODS, period=period
    )


def _error(message: str):
    response = jsonify(error=message)
    response.status_code = 400
    return response


@bp.get("/api/stats")
@limiter.limit(lambda: current_app.config["LIMIT_STATS_API"], scope="stats-api")
def api():
    """The trends report as JSON: ?period=30|90|365, ?dimension=<one section>."""
    period = _period(request.args.get("period"))
    if period is None:
        return _error(f"period must be one of {', '.join(map(str, reports.PERIODS))}")
    dimension = request.args.get("dimension")
    if dimension is not None and dimension not in reports.SECTIONS:
        return _error(f"dimension must be one of {', '.join(reports.SECTIONS)}")
    data = reports.report(period, current_app.config["STATS_MIN_COUNT"])
    if dimension is not None:
        keep = ("period", "from", "to", "min_count", dimension)
        data = {key: data[key] for key in keep}
    response = jsonify(data)
    # The numbers change when counters are flushed: a few minutes' staleness is fine.
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.add_etag()
    return response.make_conditional(request)


@bp.errorhandler(HTTPException)
def api_error(exc: HTTPException):
    """The API answers errors (400, 429) in JSON; the page keeps the site's error page."""
    if request.endpoint != "stats.api":
        return errors.handle_http_error(exc)
    if exc.code == 429:
        message = "too many requests; try again later"
    else:
        message = exc.description if exc.description != type(exc).description else exc.name
    response = jsonify(error=message)
    response.status_code = exc.code or 500
    return response
