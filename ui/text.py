"""Text on the page: untrusted text escaped (``literal``, ``code_span``), numbers for people and for LaTeX."""
from __future__ import annotations

import re

from lib import claims


def short(text: str, limit: int = 40) -> str:
    """Untrusted text on one line (no backticks, no line breaks), bounded length."""
    text = " ".join(str(text).replace("`", "'").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: str, limit: int = 300) -> str:
    """Untrusted text (from a link, a file or a cell) for any message that Streamlit renders as Markdown: shown
    as typed, never as a link, emphasis, math, an icon or HTML.

    CommonMark shows a backslash-escaped ASCII punctuation character as itself, so escaping every one of them
    disarms every construct: ``[x](url)``, ``**b**``, ``$…$`` (KaTeX), ``<img …>``, ``:material/…:``, ``:red[…]``,
    and GFM's bare ``www.``/``http://`` autolinks. Line breaks become spaces (no block can start), and the text is
    cut to ``limit`` characters before escaping (an escape is never split).

    >>> print(literal("[x](y) **B0LD**"))
    \\[x\\]\\(y\\) \\*\\*B0LD\\*\\*
    """
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return _ASCII_PUNCTUATION.sub(r"\\\1", text)


def code_span(text: str, limit: int = 40) -> str:
    """Untrusted text as a Markdown code span (a value quoted in a message): CommonMark shows a code span's content
    as typed and processes no escapes in it, so only a backtick, which would end it, is replaced."""
    return f"`{short(text, limit)}`"


def fmt(x: float, digits: int = 4) -> str:
    """A number for people: ∞ for infinity, significant digits, scientific notation when tiny or huge
    (``lib.claims.num``, so a page's numbers and its sentences are written alike)."""
    return claims.num(x, digits)


def tex_num(x: float, digits: int = 4) -> str:
    """A number for st.latex: \\infty, and a × 10^{k} form for tiny or huge values (``lib.claims.tex_num``)."""
    return claims.tex_num(x, digits)
