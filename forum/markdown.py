"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only an allow-list.

Posts are rendered once, when written, and the HTML is stored.
"""

from html import unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

# Raw HTML in the source is shown as text (html=False), and whatever the renderer
# produces still passes the sanitizer: two locks, not one.
_md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False}).enable(
    ["table", "strikethrough", "linkify"]
)


_default_image = _md.renderer.rules["image"]


def _image(renderer, tokens, idx, options, env):
    """Images from other sites become links: a page never makes a third-party request."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if src.startswith("/") and not src.startswith("//"):
        return _default_image(tokens, idx, options, env)
    text = escapeHtml(token.content) or "image"
    return f'<a href="{escapeHtml(src)}">{text}</a>'


_md.add_render_rule("image", _image)


def _shift_headings(state) -> None:
    """Move headings down by env["heading_shift"] levels (at most h6)."""
    shift = state.env.get("heading_shift", 0)
    if shift:
        for token in state.tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"


_md.core.ruler.push("shift_headings", _shift_headings)


# A wide table or code block scrolls sideways inside the post; keyboard users need to focus
# it to scroll. The attribute is added here, before sanitizing, and the sanitizer lets it
# through only as "0" (never by editing the sanitizer's output).
def _focusable_open(renderer, tokens, idx, options, env):
    tokens[idx].attrSet("tabindex", "0")
    return renderer.renderToken(tokens, idx, options, env)


_default_code_block = _md.renderer.rules["code_block"]
_default_fence = _md.renderer.rules["fence"]


def _code_block(renderer, tokens, idx, options, env):
    tokens[idx].attrSet("tabindex", "0")  # the indented block puts its attributes on <pre>
    return _default_code_block(tokens, idx, options, env)


def _fence(renderer, tokens, idx, options, env):
    # A fence puts its attributes on <code>; its <pre> is always the first, bare tag.
    html = _default_fence(tokens, idx, options, env)
    return '<pre tabindex="0">' + html.removeprefix("<pre>")


_md.add_render_rule("table_open", _focusable_open)
_md.add_render_rule("code_block", _code_block)
_md.add_render_rule("fence", _fence)
# Deeply nested quotes or lists stop nesting here instead of costing time and stack.
_md.options["maxNesting"] = 20

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
    "pre": {"tabindex"},
    "table": {"tabindex"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    # Only the renderer's language-xyz classes survive on code.
    if tag == "code" and attr == "class":
        return value if value.startswith("language-") and value[9:].isalnum() else None
    if attr == "tabindex":
        return value if value == "0" else None
    if tag in ("td", "th") and attr == "align":
        return value if value in ("left", "right", "center") else None
    return value


def sanitize(html: str) -> str:
    """Keep only allowed tags, attributes and URL schemes; mark links as user content."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )


def plain_text(html: str, limit: int = 200) -> str:
    """Rendered HTML as plain text on one line, cut at a word near `limit` characters."""
    text = " ".join(unescape(nh3.clean(html, tags=set())).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def render(source: str, heading_shift: int = 0) -> str:
    """Render Markdown source to sanitized HTML, headings moved down `heading_shift` levels."""
    return sanitize(_md.render(source, {"heading_shift": heading_shift}))


def render_post(source: str) -> str:
    """A post, an answer or an announcement: shown under the page's own <h1>, so a "# title"
    in it becomes an <h2> (and so on down)."""
    return render(source, heading_shift=1)


# What one text may hold of the constructs whose rendering cost grows fastest (tables,
# link brackets, bare addresses, emphasis markers): far above any real post, far below
# the 60,000-character texts that took up to 2 s of CPU to render.
COST_LIMITS = {
    "|": (3000, "table cells"),
    "[": (3000, "link brackets"),
    "://": (600, "web addresses"),
    "*": (4000, "asterisks"),
    "_": (4000, "underscores"),
}


def too_costly(source: str) -> str | None:
    """Why `source` would cost too much to render (a sentence for the writer), or None."""
    for marker, (limit, name) in COST_LIMITS.items():
        count = source.count(marker)
        if count > limit:
            return (
                f"This text has {count:,} {name}; at most {limit:,} can be shown in one post. "
                "Please split it."
            )
    return None
