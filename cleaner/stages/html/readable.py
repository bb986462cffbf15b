"""readability-lxml's article for a parsed tree, with a cleaning pass made for text rather than for safe HTML.

readability-lxml cleans every page with lxml's ``Cleaner`` (javascript on),
which deep-copies the tree and rewrites every link and event attribute to
make the HTML safe to show: half of readability's time on news pages, and
nothing its scoring reads (it scores text, tags and class/id names, never
hrefs or ``on*`` attributes). This subclass parses by copying the tree,
dropping what readability itself drops first (``hidden``, ``display: none``)
and removing what that ``Cleaner`` removes from the text (script, style,
link, comments, processing instructions; ``<image>`` read as ``<img>``);
the scoring is readability's own. Imported only when a page is extracted
with the block model.
"""
from __future__ import annotations

from copy import deepcopy

from lxml import etree
from lxml.html import HtmlElement
from readability import Document
from readability.readability import REGEXES

_DROPPED = ("script", "style", "link", etree.Comment, etree.ProcessingInstruction)


class TreeDocument(Document):
    """A readability Document over an lxml tree that stays as it was (each parse works on a copy)."""

    def _parse(self, input: HtmlElement) -> HtmlElement:  # noqa: A002  (readability's own signature)
        doc = deepcopy(input)
        for element in doc.xpath("//*[@hidden]"):
            element.drop_tree()
        for element in doc.xpath("//*[@style]"):
            if REGEXES["displayNoneRe"].search(element.get("style")):
                element.drop_tree()
        for element in list(doc.iter(*_DROPPED)):
            if element.getparent() is not None:
                element.drop_tree()
        for element in doc.iter("image"):
            element.tag = "img"
        return doc


def article_html(tree: HtmlElement) -> str:
    """readability's article of ``tree`` as an HTML fragment ('' when it finds none)."""
    return TreeDocument(tree).summary(html_partial=True) or ""
