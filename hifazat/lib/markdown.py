"""Staff-authored Markdown → safe HTML: rendered with `markdown`, then sanitised with nh3.

Sanitising happens on output of the renderer, so whatever the source contains (script,
event handlers, javascript: URLs, SVG, iframes, forms, meta refresh) never reaches a page.
"""

import re

import markdown as md
import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"https", "http", "mailto"}
# A tag, but not a Markdown autolink such as <https://…> or <name@ministry.gov.pk>.
RAW_HTML = re.compile(r"<(?![a-zA-Z][a-zA-Z0-9+.-]*://)(?![^>\s]+@[^>\s]+>)\s*/?\s*[a-zA-Z][^>]*>")


def render(text: str, link_resolver=None) -> str:
    """Markdown to sanitised HTML. ``link_resolver(href) -> href`` rewrites internal links."""
    html = md.markdown(
        text, extensions=["tables", "sane_lists", "fenced_code"], output_format="html"
    )
    if link_resolver is not None:
        html = re.sub(r'href="([^"]*)"', lambda m: f'href="{link_resolver(m.group(1))}"', html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def raw_html_lines(text: str) -> list[int]:
    """Line numbers (1-based) that contain raw HTML tags outside code spans/blocks."""
    lines, in_fence = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or line.startswith("    "):
            continue
        if RAW_HTML.search(re.sub(r"`[^`]*`", "", line)):
            lines.append(number)
    return lines
