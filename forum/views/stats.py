"""Visitor statistics: the public trends page and its JSON API (counting is in hooks.py)."""

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..extensions import limiter
from ..services import stats_report as reports
from ..services import transparency_report
from . import errors

bp = Blueprint("stats", __name__)

CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 730, 180, 16


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
        abort(
            400,
            _(
                "The period must be one of %(join)s days.",
                join=", ".join(map(str, reports.PERIODS)),
            ),
        )
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
    """The trends report and the transparency report as JSON: ?period=30|90|365,
    ?dimension=<one section>."""
    period = _period(request.args.get("period"))
    if period is None:
        return _error(f"period must be one of {', '.join(map(str, reports.PERIODS))}")
    dimension = request.args.get("dimension")
    # The transparency report (per half-year, whatever the period) rides along.
    sections = [*reports.SECTIONS, "transparency"]
    if dimension is not None and dimension not in sections:
        return _error(f"dimension must be one of {', '.join(sections)}")
    data = reports.report(period, current_app.config["STATS_MIN_COUNT"])
    data["transparency"] = transparency_report.as_json(transparency_report.report())
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
