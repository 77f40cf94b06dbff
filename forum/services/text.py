"""Small text helpers shared by the services."""

import re
import unicodedata

# Characters XML 1.0 cannot carry (an Atom feed holding one is not XML at all), lone
# surrogates, and Unicode's non-characters (U+FDD0..U+FDEF, and the last two code points of
# every plane): none is text anyone typed.
_NON_CHARACTERS = "".join(chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF))
_NOT_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef{_NON_CHARACTERS}]")
_CONTROL = re.compile(r"[\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]|" + _NOT_TEXT.pattern)
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def clean_line(text: str) -> str:
    """One line of user text: no control or direction characters, spaces collapsed."""
    return " ".join(_CONTROL.sub("", text).split())


def clean_body(text: str) -> str:
    """A multi-line body: control characters removed, line endings normalised."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip("\n")


def whole_number(raw: str | None, max_digits: int = 9) -> int | None:
    """A number written in ASCII digits only, or None.

    str.isdigit() also accepts "²" (which int() refuses) and other scripts' digits: every
    number taken from a form, a URL or a stored string goes through here.
    """
    if not raw or len(raw) > max_digits or not raw.isascii() or not raw.isdigit():
        return None
    return int(raw)


def strip_non_text(text):
    """`text` without what XML cannot hold nor Unicode calls a character; anything not a
    string as it is. Every field of every form passes through it (forms.Form)."""
    return _NOT_TEXT.sub("", text) if isinstance(text, str) else text


def slugify(text: str, fallback: str = "topic", max_length: int = 60) -> str:
    """An ASCII slug for URLs; `fallback` when nothing ASCII remains."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or fallback
