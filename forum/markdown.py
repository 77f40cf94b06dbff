"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only an allow-list.

Posts are rendered once, when written, and the HTML is stored.
"""

import hashlib
import re
from html import unescape
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from .render_limits import plain, unformattable

# Raw HTML in the source is shown as text (html=False), and whatever the renderer
# produces still passes the sanitizer: two locks, not one.
_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    .enable(["table", "strikethrough", "linkify"])
    .use(footnote_plugin)
)


_default_image = _md.renderer.rules["image"]


def _image(renderer, tokens, idx, options, env):
    """Images from other sites are never loaded (a page makes no third-party request): a
    box says what they are, with their description and a link to open them."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if src.startswith("/") and not src.startswith("//"):
        return _default_image(tokens, idx, options, env)
    alt = escapeHtml(token.content) or "An image"
    try:
        parts = urlsplit(src)
        host = parts.hostname if parts.scheme in ("http", "https") else None
    except ValueError:
        host = None
    if not host:
        return (
            f'<span class="offsite-image"><span class="offsite-alt">{alt}</span> (not shown)</span>'
        )
    return (
        f'<span class="offsite-image"><span class="offsite-alt">{alt}</span> '
        f"Image from {escapeHtml(host)} — not loaded, to keep your visit private — "
        f'<a href="{escapeHtml(src)}">open it</a></span>'
    )


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


_FORMATTER = HtmlFormatter(nowrap=True)
# Pygments' short token classes ("k", "s2", "c1"...): the only classes a <span> may carry.
TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)


def _fence(renderer, tokens, idx, options, env):
    """Fenced code, highlighted by Pygments with classes (the stylesheet colours them, for
    light and dark); a language Pygments does not know stays plain."""
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    if not language.isalnum():
        return '<pre tabindex="0"><code>' + escapeHtml(token.content) + "</code></pre>\n"
    try:
        lexer = get_lexer_by_name(language.lower())
    except ClassNotFound:
        code = escapeHtml(token.content)
    else:
        code = highlight(token.content, lexer, _FORMATTER)
    return f'<pre tabindex="0"><code class="language-{language}">{code}</code></pre>\n'


_ALIGN = re.compile(r"text-align:(left|right|center)")


def _cell_open(renderer, tokens, idx, options, env):
    """A table column's alignment as a class (our CSP allows no inline style)."""
    token = tokens[idx]
    match = _ALIGN.fullmatch(str(token.attrGet("style") or ""))
    if token.attrs.pop("style", None) and match:
        token.attrSet("class", f"align-{match.group(1)}")
    return renderer.renderToken(tokens, idx, options, env)


_TASK = re.compile(r"\[([ xX])\][ \t\n\v\f\r]+")


def _task_lists(state) -> None:
    """`- [ ] item` and `- [x] item` become read-only checkboxes that say what they mean to a
    screen reader. One pass with a stack of open lists: the usual plugin looks back through
    the tokens for each item's list, and 7,500 items took 20 s to render."""
    tokens, lists = state.tokens, []
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(token)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif (
            token.type == "inline"
            and i >= 2
            and tokens[i - 1].type == "paragraph_open"
            and tokens[i - 2].type == "list_item_open"
            and token.children
            and (match := _TASK.match(token.content))
            and token.children[0].type == "text"
            and token.children[0].content.startswith(match.group(0)[:3])
        ):
            done = match.group(1) != " "
            checked = 'checked="checked" ' if done else ""
            label = "done" if done else "not done"
            box = Token("html_inline", "", 0)
            box.content = (
                f'<input type="checkbox" {checked}disabled="disabled" aria-label="{label}">'
            )
            token.children[0].content = token.children[0].content[3:]
            token.children.insert(0, box)
            tokens[i - 2].attrSet("class", "task-list-item")
            lists[-1].attrSet("class", "contains-task-list")


def _footnote_ids(state) -> None:
    """Footnote anchors get a prefix made from the text, so that two posts on one page do
    not share an id."""
    if "docId" not in state.env:
        state.env["docId"] = hashlib.sha256(state.src.encode()).hexdigest()[:8]


# @username of an existing member: a link to their profile. The writer's lookup (passed in
# env["members"], from lower-cased names to usernames) says who exists; mentions outside
# quotes are kept in env["mentioned"] (to notify), and links to /p/<id> inside quotes in
# env["quoted"]. Code spans and code blocks are never looked at: they are not text tokens.
MENTION = re.compile(r"(?<![\w@/.+-])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]{1,30})[A-Za-z0-9_])")
_POST_LINK = re.compile(r"/p/(\d{1,12})")
MENTION_CANDIDATES = 100


def _walk_text(state):
    """(inline token's children, index, in a quote) for every text token outside links."""
    depth = 0
    for token in state.tokens:
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type == "inline" and token.children:
            in_link = 0
            for i, child in enumerate(token.children):
                if child.type == "link_open":
                    in_link += 1
                    href = str(child.attrGet("href") or "")
                    if depth and (match := _POST_LINK.fullmatch(href)):
                        state.env.setdefault("quoted", []).append(int(match.group(1)))
                elif child.type == "link_close":
                    in_link -= 1
                elif child.type == "text" and not in_link:
                    yield token.children, i, depth > 0


def _mentions(state) -> None:
    lookup = state.env.get("members")
    found = list(_walk_text(state))
    if lookup is None:
        return
    keys = []
    for kids, i, _ in found:
        for match in MENTION.finditer(kids[i].content):
            if match.group(1).lower() not in keys and len(keys) < MENTION_CANDIDATES:
                keys.append(match.group(1).lower())
    names = lookup(keys) if keys else {}
    if not names:
        return
    mentioned = state.env.setdefault("mentioned", [])
    for kids, i, quoted in found:
        for match in MENTION.finditer(kids[i].content):
            name = names.get(match.group(1).lower())
            if name is not None and not quoted and name not in mentioned:
                mentioned.append(name)
    for kids, i, _ in reversed(found):
        text, pieces, start = kids[i].content, [], 0
        for match in MENTION.finditer(text):
            name = names.get(match.group(1).lower())
            if name is None:
                continue
            pieces.append(("text", text[start : match.start()]))
            pieces.append(("mention", name))
            start = match.end()
        if not pieces:
            continue
        pieces.append(("text", text[start:]))
        tokens = []
        for kind, content in pieces:
            token = Token(kind, "", 0)
            token.content = content
            tokens.append(token)
        kids[i : i + 1] = tokens


def _mention(renderer, tokens, idx, options, env):
    name = escapeHtml(tokens[idx].content)
    return f'<a href="/u/{name}" class="mention">@{name}</a>'


_md.core.ruler.push("mentions", _mentions)
_md.add_render_rule("mention", _mention)
_md.add_render_rule("table_open", _focusable_open)
_md.add_render_rule("th_open", _cell_open)
_md.add_render_rule("td_open", _cell_open)
_md.core.ruler.after("inline", "task_lists", _task_lists)
_md.core.ruler.before("block", "footnote_ids", _footnote_ids)
_md.add_render_rule("code_block", _code_block)
_md.add_render_rule("fence", _fence)
# Deeply nested quotes or lists stop nesting here instead of costing time and stack.
_md.options["maxNesting"] = 20

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "input", "li", "ol", "p", "pre", "s", "section", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title"},
    "input": {"type", "checked", "disabled", "aria-label"},
    "li": {"id", "class"},
    "ol": {"start", "class"},
    "ul": {"class"},
    "td": {"class"},
    "th": {"class"},
    "code": {"class"},
    "span": {"class"},
    "sup": {"class"},
    "hr": {"class"},
    "section": {"class"},
    "pre": {"tabindex"},
    "table": {"tabindex"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# The exact classes each tag may carry: our renderer's, and nothing a writer can choose.
_CLASSES = {
    "a": {"footnote-backref", "mention"},
    "li": {"task-list-item", "footnote-item"},
    "ol": {"footnotes-list", "contains-task-list"},
    "ul": {"contains-task-list"},
    "td": {"align-left", "align-right", "align-center"},
    "th": {"align-left", "align-right", "align-center"},
    "sup": {"footnote-ref"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
    "span": TOKEN_CLASSES | {"offsite-image", "offsite-alt"},
}
_FOOTNOTE_ID = re.compile(r"fn(ref)?-[0-9a-f]{8}-\d{1,4}(:\d{1,4})?")
_FIXED_VALUES = {
    "tabindex": {"0"},
    "type": {"checkbox"},
    "checked": {"checked"},
    "disabled": {"disabled"},
    "aria-label": {"done", "not done"},
}


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "code" and attr == "class":
        # Only the renderer's language-xyz classes survive on code.
        return value if value.startswith("language-") and value[9:].isalnum() else None
    if attr == "class":
        return value if value and set(value.split()) <= _CLASSES.get(tag, set()) else None
    if attr == "id":
        return value if _FOOTNOTE_ID.fullmatch(value) else None
    if attr in _FIXED_VALUES:
        return value if value in _FIXED_VALUES[attr] else None
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


def render(source: str, heading_shift: int = 0, env: dict | None = None) -> str:
    """Render Markdown source to sanitized HTML, headings moved down `heading_shift` levels;
    a text too costly to format (see FORMAT_LIMITS) as plain text.

    `env` may carry "members" (a lookup of mentioned names, see MENTION); the renderer adds
    "mentioned" and "quoted" to it (a plain text mentions and quotes no one).
    """
    env = env if env is not None else {}
    env["heading_shift"] = heading_shift
    if unformattable(source):
        return sanitize(plain(source))
    return sanitize(_md.render(source, env))


def render_post(source: str, members=None) -> str:
    """A post, an answer or an announcement: shown under the page's own <h1>, so a "# title"
    in it becomes an <h2> (and so on down). With `members`, @mentions become links."""
    return render(source, heading_shift=1, env={"members": members})


def render_post_noting(source: str, members) -> tuple[str, list[str], list[int]]:
    """render_post, with the usernames mentioned outside quotes (in order of appearance)
    and the ids of the posts quoted."""
    env = {"members": members}
    html = render(source, heading_shift=1, env=env)
    return html, env.get("mentioned", []), list(dict.fromkeys(env.get("quoted", [])))
