"""The renderer and sanitizer: what posts may contain, and a corpus of hostile input."""

import re
import time
from html.parser import HTMLParser

import pytest

from forum.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render, render_post, sanitize

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '[x](https://example.org "title\\" onmouseover=\\"alert(1))',
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<form action=https://evil.example><input name=a></form>",
    "<object data=x></object><embed src=x>",
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
    "<base href=https://evil.example/>",
    "<!-- <script>alert(1)</script> -->",
    "<<script>script>alert(1)<</script>/script>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[a](<javascript:alert(1)>)",
    '<https://example.org/" onclick="alert(1)>',
    "<javascript:alert(1)>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "\x00<script>alert(1)</script>",
    "[x](https://example.org/\u202e<script>)",
    # The extras: code highlighting, task lists, footnotes, aligned tables, images elsewhere.
    "```python\n</code></pre><script>alert(1)</script>\n```",
    '```html onload=alert(1)\n<img src=x onerror="alert(1)">\n```',
    '```"><script>alert(1)</script>\nx\n```',
    "- [ ] <input type=text autofocus onfocus=alert(1)>\n- [x] <script>alert(1)</script>",
    "x[^<script>]\n\n[^<script>]: <img src=x onerror=alert(1)>",
    'x[^a"onmouseover="alert(1)]\n\n[^a"onmouseover="alert(1)]: note',
    "| a |\n|:-:|\n| <b onclick=alert(1)>x</b> |",
    '![x" onerror="alert(1)](https://evil.example/a.png)',
    "![<script>alert(1)</script>](https://evil.example/a.png)",
    '![x](https://evil.example/a.png"onerror="alert(1))',
    '<span class="offsite-image">fake box</span><input type="checkbox">',
    '<li id="fn-00000000-1">x</li><span class="k">x</span>',
]

SAFE_SCHEMES = ("http:", "https:", "mailto:")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:")


class _Elements(HTMLParser):
    """Every element and attribute in a piece of HTML, as a browser's tokenizer sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_safe(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs.items():
            if tag in ("table", "pre") and name == "tabindex":
                assert value == "0", html  # added by the renderer, for keyboard scrolling
                continue
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, name, html)
            if name in ("href", "src"):
                url = "".join((value or "").split()).lower()
                scheme = _SCHEME.match(url)
                assert scheme is None or scheme.group(0) in SAFE_SCHEMES, (tag, name, value)


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_never_reaches_the_page(source):
    assert_safe(render(source))


@pytest.mark.parametrize("source", HOSTILE)
def test_sanitizer_alone_stops_hostile_html(source):
    # The renderer escapes raw HTML already; the sanitizer must hold even without it.
    assert_safe(sanitize(source))


def test_raw_html_is_shown_as_text():
    assert render("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"


def test_commonmark_tables_strikethrough_and_linkify():
    html = render("~~old~~ https://example.org\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<s>old</s>" in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">' in html
    assert '<table tabindex="0">' in html and "<td>1</td>" in html


def test_links_are_marked_as_user_content():
    html = render("[site](https://example.org)")
    assert 'rel="nofollow ugc noopener"' in html


def test_code_blocks_keep_a_language_class_only():
    html = render("```python\nx = 1\n```")
    assert '<code class="language-python">' in html
    assert 'class="evil"' not in sanitize('<code class="evil">x</code>')


def test_a_table_typed_as_text_gets_no_attribute():
    assert "tabindex" not in render("`<table>` and <table> as text")


def test_images_from_other_sites_are_a_box_that_says_what_they_are():
    html = render("![a cat](https://images.example/cat.png)")
    assert "<img" not in html
    assert '<span class="offsite-alt">a cat</span>' in html
    assert "Image from images.example — not loaded, to keep your visit private — " in html
    assert (
        '<a href="https://images.example/cat.png" rel="nofollow ugc noopener">open it</a>' in html
    )


def test_fenced_code_is_highlighted_with_classes_and_unknown_languages_stay_plain():
    html = render('```python\ndef f():\n    return "<x>"\n```')
    assert '<code class="language-python"><span class="k">def</span>' in html
    assert '<span class="s2">&quot;&lt;x&gt;&quot;</span>' in html or "&lt;x&gt;" in html
    assert "style=" not in html
    plain = render("```nosuchlanguage\nif <b>\n```")
    assert '<code class="language-nosuchlanguage">if &lt;b&gt;\n</code>' in plain
    assert "<span" not in render("```\ndef f(): pass\n```")


def test_task_lists_are_read_only_checkboxes():
    html = render("- [ ] buy milk\n- [x] fix the rack")
    assert '<ul class="contains-task-list">' in html
    assert '<input type="checkbox" disabled="disabled" aria-label="not done"> buy milk' in html
    assert '<input type="checkbox" checked="checked" disabled="disabled" aria-label="done">' in html


def test_table_columns_keep_their_alignment_as_classes():
    html = render("| a | b | c |\n|:--|--:|:-:|\n| 1 | 2 | 3 |")
    assert '<td class="align-left">1</td>' in html
    assert '<td class="align-right">2</td>' in html and '<th class="align-center">c</th>' in html
    assert "style" not in html


def test_footnotes_link_both_ways_with_ids_unique_to_the_text():
    html = render("Racks[^1] are heavy.\n\n[^1]: About 40 kg.")
    (ref,) = re.findall(r'id="(fnref-[0-9a-f]{8}-1)"', html)
    note = ref.replace("fnref-", "fn-")
    assert f'href="#{note}"' in html and f'id="{note}"' in html
    assert f'href="#{ref}"' in html and 'class="footnote-backref"' in html
    other = render("Other[^1].\n\n[^1]: Another note.")
    assert ref not in other


def test_the_sanitizer_drops_classes_and_ids_the_renderer_never_makes():
    html = sanitize(
        '<span class="evil k">x</span><li id="main">y</li><td class="align-top">z</td>'
        '<input type="text" aria-label="click me">'
    )
    assert "evil" not in html and 'id="main"' not in html and "align-top" not in html
    assert 'type="text"' not in html and "click me" not in html


def test_images_from_our_own_site_stay_images():
    assert '<img src="/static/favicon.svg" alt="icon">' in render("![icon](/static/favicon.svg)")


def test_protocol_relative_images_are_not_ours():
    assert "<img" not in render("![x](//evil.example/x.png)")


@pytest.mark.parametrize(
    "source",
    [
        ">" * 10_000 + " deep",
        "- " * 5_000 + "deep",
        "[" * 10_000 + "x" + "]" * 10_000,
        "*" * 50_000,
    ],
)
def test_deeply_nested_input_is_bounded(source):
    started = time.monotonic()
    html = render(source)
    assert time.monotonic() - started < 5
    assert html.count("<blockquote>") <= 25


@pytest.mark.parametrize(
    "unsafe",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JAVA script:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        "<script>alert(1)</script>",
        '<p style="color:red">x</p>',
        '<img src="data:image/png;base64,xx">',
    ],
)
def test_the_checker_itself_catches_unsafe_html(unsafe):
    with pytest.raises(AssertionError):
        assert_safe(unsafe)


def test_headings_in_posts_sit_under_the_page_title():
    html = render_post("# Big\n\n## Smaller\n\n###### Smallest")
    assert "<h1>" not in html
    assert "<h2>Big</h2>" in html and "<h3>Smaller</h3>" in html and "<h6>Smallest</h6>" in html
    assert "<h1>Big</h1>" in render("# Big")


TITLE_BREAKOUTS = [
    '[x](http://a "\\"><meta http-equiv=refresh content=0;url=//evil>")',
    '[x](http://a "<pre><meta http-equiv=refresh content=0;url=//evil>")',
    '[x](http://a "<table><meta http-equiv=refresh content=0;url=//evil>")',
    "[x](http://a '\"><meta http-equiv=refresh content=0;url=//evil>')",
]


@pytest.mark.parametrize("source", TITLE_BREAKOUTS)
def test_a_link_title_cannot_break_out_of_its_attribute(source):
    html = render(source)
    parser = _Elements()
    parser.feed(html)
    assert [tag for tag, _ in parser.found] == ["p", "a"], html
    assert "http-equiv" in parser.found[1][1]["title"]  # kept, as text of the title
    assert_safe(html)


def test_the_installed_sanitizer_has_the_attribute_escaping_fix():
    from importlib.metadata import version

    assert tuple(int(part) for part in version("nh3").split(".")[:3]) >= (0, 3, 7)


@pytest.mark.parametrize("value", ["1", "-1", "00", " 0", "0 ", "0;", ""])
def test_tabindex_passes_the_sanitizer_only_as_zero(value):
    html = sanitize(f'<pre tabindex="{value}">x</pre><table tabindex="{value}"></table>')
    assert "tabindex" not in html


def test_the_renderers_tabindex_passes_the_sanitizer_and_nowhere_else():
    assert sanitize('<pre tabindex="0">x</pre>') == '<pre tabindex="0">x</pre>'
    assert sanitize('<table tabindex="0"></table>') == '<table tabindex="0"></table>'
    assert "tabindex" not in sanitize('<p tabindex="0">x</p><a tabindex="0">y</a>')


def test_code_blocks_of_both_kinds_and_tables_are_focusable():
    assert render("```\nx = 1\n```").startswith('<pre tabindex="0"><code>')
    fenced = render("```python\nx = 1\n```")
    assert fenced.startswith('<pre tabindex="0"><code class="language-python">')
    assert render("    indented code\n").startswith('<pre tabindex="0"><code>')
    assert render("| a |\n|---|\n| 1 |").startswith('<table tabindex="0">')
