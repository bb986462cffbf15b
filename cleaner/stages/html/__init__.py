"""The HTML stage: raw HTML -> DOM rules -> trafilatura -> text and metadata for the text stage.

Selectors drop share bars, ad slots and comment forms from the tree *before*
extraction, because trafilatura keeps some of them; each element removed is
a DomRemoval, so ``explain`` can name the rule. Imported FiveFilters files
were written for another engine and many are stale (one hits the WSJ
article itself), so theirs run guarded against a first extraction
(:func:`imported_pass`; the guards' figures are in bench/RESULTS.md).
lxml, cssselect and trafilatura are imported only when HTML is seen, so
``cleaner check`` on text files never loads them.

Modules by job: dom (parse, selectors, the class index, the extraction of a
pruned tree), blocks (the candidates and the block model's judgement),
imported (the guarded pass), extract (one page end to end), snippets (rule
files' html tests). This package re-exports what the rest of
cleaner uses.
"""
from .dom import SNIPPET_CHARS, apply_replacements, parse
from .blocks import PageBlocks
from .extract import Extraction, extract_html, html_files, page_blocks
from .snippets import count_html_tests, test_html

__all__ = ["SNIPPET_CHARS", "Extraction", "PageBlocks", "apply_replacements", "count_html_tests", "extract_html",
           "html_files", "page_blocks", "parse", "test_html"]
