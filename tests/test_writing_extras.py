"""The Markdown extras through a real post: highlighted code, task lists, aligned tables,
footnotes and images from other sites, rendered when written and by `posts rerender`."""

import re

from forum.extensions import db
from forum.models import Post
from forum.services import forum as forum_service
from tests.helpers import ROOT

SOURCE = """Here is my rack[^1]:

![my rack](https://other-site.example/rack.jpg)

```python
def rack(units: int) -> str:
    return "full"  # for now
```

- [x] bolts
- [ ] cables

| item | kg |
|:-----|---:|
| switch | 4 |

~~wood~~ steel, see https://example.org

[^1]: A 19-inch one.
"""


def test_a_post_shows_every_extra_and_loads_nothing_from_elsewhere(client, topic, member):
    reply = forum_service.reply(topic, member, SOURCE)
    db.session.commit()
    page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert '<span class="k">def</span>' in page and '<span class="c1"># for now</span>' in page
    assert 'aria-label="done">' in page and 'aria-label="not done">' in page
    assert '<td class="align-right">4</td>' in page and "<s>wood</s>" in page
    assert "Image from other-site.example — not loaded, to keep your visit private" in page
    assert '<span class="offsite-alt">my rack</span>' in page
    assert not re.search(r'<img[^>]+src="https?://', page)
    assert 'class="footnote-ref"' in page and "A 19-inch one." in page
    assert db.session.get(Post, reply.id).html.count("<span") > 5


def test_posts_rerender_brings_the_extras_to_old_posts(runner, topic, member):
    reply = forum_service.reply(topic, member, "```python\nimport os\n```\n\n- [ ] later")
    reply.html = '<pre><code class="language-python">import os\n</code></pre>'
    db.session.commit()
    result = runner.invoke(args=["posts", "rerender"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    html = db.session.get(Post, reply.id).html
    assert '<span class="kn">import</span>' in html and 'type="checkbox"' in html


def test_the_stylesheet_colours_code_for_light_and_dark():
    css = (ROOT / "static" / "style.css").read_text()
    light, dark = css.split("@media (prefers-color-scheme: dark)", 1)
    for variable in ("--hl-keyword", "--hl-string", "--hl-comment", "--hl-number"):
        assert f"{variable}:" in light and f"{variable}:" in dark.split("}", 1)[0]
    for token_class in (".k", ".s2", ".c1", ".mi", ".nf", ".nb"):
        assert f".prose pre {token_class}" in css
    for selector in (".align-right", ".offsite-image", ".contains-task-list", ".footnotes"):
        assert selector in css
