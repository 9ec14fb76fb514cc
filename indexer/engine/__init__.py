"""The search engine: the only package that talks to Whoosh.

Its interface is narrow on purpose, so another engine (a Whoosh fork, tantivy, OpenSearch) can
take its place: write a batch of analysed documents into a new directory (``IndexWriter``),
join indexes written in parallel into one generation (``combine_shards``), or into one segment
(``merge_shards``), write the arrays every server process maps (``write_arrays``), open a
finished generation with a ranking (``Generation.open``, ``Generation.warm``), search it with a
query plan, filters and facets (``Generation.search``), fetch one stored document
(``Generation.get``).

Modules, in the order a query meets them:

    fields.py      the fields below, ``IndexDoc`` (what the writer takes), ``INDEX_FORMAT``
    store.py       the index on disk through Whoosh: schema, writer, shards, reading back
    codec.py       Whoosh's posting lists decoded with numpy, and the format check
    columns.py     per-generation arrays read at open time: live documents, facet values, dates
    query_tree.py  a query tree of our own, made from a ``QueryPlan`` and a ``Ranking``
    evaluate.py    the tree evaluated with numpy: the match mask and every score in one pass
    ranking.py     ``Ranking`` (BM25F constants and boosts), the scores, the top k
    terms.py       one term's postings as arrays, and the bounded cache of them
    facets.py      one class per facet kind: agency, unit, kind, year, month, date range
    mapped.py      the columns, vocabulary, norms and frequent terms' postings, written once at
                   publish time (``write_arrays``) as .npy files every server process maps
    generation.py  ``Generation``: all of these tied together

Fields (one segment or several; every text field is space-separated terms, no positions):

    field           kind      holds
    id              ID        the document id (16 hex digits of its path), stored
    path            stored    the file's path relative to its source folder
    article         stored    everything shown for a hit or an article page: zlib'd JSON
    body_accented   text      body syllables as written (lower case, one tone convention), and numbers
    body_folded     text      body syllables without diacritics (đ -> d), numbers left out
    body_words      text      pyvi's multi-syllable words of the body (chuyển_đổi)
    title_accented  text      title syllables as written, and numbers
    title_folded    text      title syllables without diacritics, numbers left out
    folded_pairs    text      adjacent pairs of folded syllables (chuyen_doi), title then body:
                              phrases are matched as their pairs
    doc_numbers     keyword   document-number keys (458/TB-VP), scored
    mentions        keyword   folded canonical names of the agencies and units the page names, scored
    agency          ID        the publisher's canonical name (a facet)
    units           keyword   canonical names of the units the page names (a facet)
    day             ID        YYYY-MM-DD, or "none"
    kind            ID        "tin" (a news page) or "văn bản" (an attached document) (a facet)
    attaches        keyword   ids of the documents a page links to (whether or not the archive has
                              them): an attachment's page lists the pages that attach it
    own_numbers     keyword   keys of the page's own document numbers (not those it only cites)
    title_mentions  keyword   folded canonical names of the agencies and units the title names

Facet values are single terms (spaces as ``\\x1f``). Facet counts and date sorting use the
per-generation column arrays, not stored fields per hit. Queries are evaluated with numpy over
each term's postings (read once per generation and cached): one pass gives the match set, the
facet counts and the BM25F scores, the same scores Whoosh's own matchers compute one posting at
a time.
"""

from __future__ import annotations

from .facets import Filters
from .fields import INDEX_FORMAT, SCORED_FIELDS, IndexDoc
from .generation import EngineResult, Generation, Hit
from .mapped import DIRECTORY as ARRAYS
from .mapped import write as write_arrays
from .ranking import Ranking
from .store import IndexWriter, append_writer, combine_shards, merge_shards
from .terms import TERM_CACHE_POSTINGS

__all__ = ["ARRAYS", "INDEX_FORMAT", "SCORED_FIELDS", "TERM_CACHE_POSTINGS", "EngineResult", "Filters", "Generation",
           "Hit", "IndexDoc", "IndexWriter", "Ranking", "append_writer", "combine_shards", "merge_shards", "write_arrays"]
