"""From text to search tokens, and from a question to its content words.

Japanese has no spaces, so documents are indexed by character bigrams (any substring of two
characters or more is then an AND of bigram lookups) plus the normalised forms SudachiPy gives
its words, so that spelling variants meet (申込 / 申し込み, 附属 / 付属,
コンピュータ / コンピューター).
English words are indexed by their Snowball stems. Everything is NFKC-normalised and
case-folded first, so full-width, half-width and case differences do not matter.

A question is reduced to its content words by SudachiPy's part-of-speech tags (nouns, with
their prefixes and suffixes; no verbs, particles, auxiliaries or pronouns), not by stripping
known phrases; English words lose the closed class of function words.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]
from sudachipy import dictionary, tokenizer

from bot.text import normalize

TOKEN_LIMIT = 80
# A one-character run ends in this mark, and so does every run's last character, so that a
# prefix range over "g:<kanji>" finds a single kanji wherever it stands.
RUN_END = "$"
_CJK = "\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SEGMENT = re.compile(rf"[{_CJK}]+|[^\W{_CJK}_]+")
_HAS_CJK = re.compile(rf"[{_CJK}]")
_SUDACHI_CHUNK = 4000  # SudachiPy refuses very long inputs; documents are cut into pieces

# English closed-class words (articles, pronouns, auxiliaries, prepositions, conjunctions,
# question words): they carry no topic, so a question keeps only the words around them.
_FUNCTION_WORDS = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
"""
ENGLISH_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())

# Sudachi parts of speech that carry a topic. 代名詞 (何, それ) is its own class and stays out.
_CONTENT_POS = ("名詞", "形状詞")
_AFFIX_POS = ("接頭辞", "接尾辞")


@dataclass(frozen=True)
class QueryTerm:
    """One content word of a question and how to look it up.

    ``surface`` is the folded text; ``norm`` Sudachi's normalised form (Japanese only);
    ``parts`` the shorter words of a compound, tried when the whole finds nothing.
    """

    surface: str
    english: bool
    norm: str | None = None
    parts: tuple[QueryTerm, ...] = ()

    @property
    def bigrams(self) -> tuple[str, ...]:
        """The bigram tokens that must all be in a document holding ``surface``."""
        if self.english or len(self.surface) < 2:
            return ()
        return tuple(sorted({f"g:{self.surface[i : i + 2]}" for i in range(len(self.surface) - 1)}))

    @property
    def norm_token(self) -> str | None:
        return f"n:{self.norm}"[:TOKEN_LIMIT] if self.norm else None

    @property
    def word_token(self) -> str | None:
        return f"w:{stem(self.surface)}"[:TOKEN_LIMIT] if self.english else None

    @property
    def prefix_range(self) -> tuple[str, str] | None:
        """For a one-character Japanese term: the token range of bigrams starting with it."""
        if self.english or len(self.surface) != 1:
            return None
        return f"g:{self.surface}", f"g:{chr(ord(self.surface) + 1)}"


def fold(text: str) -> str:
    """NFKC and case folding: what both documents and questions are compared in."""
    return normalize(text).casefold()


@cache
def _stemmer() -> Any:
    return snowballstemmer.stemmer("english")


_stem_lock = threading.Lock()


def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of an English word: decided → decid, systems → system."""
    with _stem_lock:  # the generated stemmer keeps state between calls
        return str(_stemmer().stemWord(word))


@cache
def _dictionary() -> Any:
    return dictionary.Dictionary(dict="core")


_local = threading.local()


def _tokenizer() -> Any:
    # A Sudachi tokenizer must not be shared between threads; bolt runs callbacks on a pool.
    found = getattr(_local, "tokenizer", None)
    if found is None:
        made = _dictionary()
        # SudachiPy 0.7 renamed create() to tokenizer(); 0.6 has only create().
        factory = getattr(made, "tokenizer", None) or made.create
        found = factory(mode=tokenizer.Tokenizer.SplitMode.C)
        _local.tokenizer = found
    return found


def _morphemes(text: str) -> Iterator[Any]:
    for start in range(0, len(text), _SUDACHI_CHUNK):
        chunk = text[start : start + _SUDACHI_CHUNK]
        if chunk.strip():
            yield from _tokenizer().tokenize(chunk)


def is_english(word: str) -> bool:
    return _HAS_CJK.search(word) is None


def document_tokens(texts: Iterable[str | None]) -> set[str]:
    """Every index token of a document made of ``texts`` (title, summary, …)."""
    tokens: set[str] = set()
    for raw in texts:
        if not raw:
            continue
        text = fold(raw)
        for m in _SEGMENT.finditer(text):
            run = m.group(0)
            if _HAS_CJK.match(run):
                tokens.update(f"g:{run[i : i + 2]}" for i in range(len(run) - 1))
                tokens.add(f"g:{run[-1]}{RUN_END}")
            elif _indexable_word(run):
                tokens.add(f"w:{stem(run)}"[:TOKEN_LIMIT])
        for morpheme in _morphemes(text):
            form = morpheme.normalized_form().casefold()
            if _HAS_CJK.search(form) and morpheme.part_of_speech()[0] in _CONTENT_POS:
                tokens.add(f"n:{form}"[:TOKEN_LIMIT])
    return tokens


def _indexable_word(word: str) -> bool:
    return (len(word) > 1 or word.isdigit()) and word not in ENGLISH_FUNCTION_WORDS


def _english_terms(surface: str) -> list[QueryTerm]:
    return [
        QueryTerm(word, english=True)
        for word in _SEGMENT.findall(surface)
        if is_english(word) and _indexable_word(word)
    ]


def _japanese_term(morphemes: list[Any]) -> QueryTerm:
    surface = "".join(m.surface() for m in morphemes)
    norm = "".join(m.normalized_form() for m in morphemes).casefold()
    parts: tuple[QueryTerm, ...] = ()
    # split() gives nothing for a word that has no shorter parts.
    pieces = [p for m in morphemes for p in (m.split(tokenizer.Tokenizer.SplitMode.A) or [m])]
    if len(pieces) > 1:
        parts = tuple(
            QueryTerm(p.surface(), english=False, norm=p.normalized_form().casefold())
            for p in pieces
            if p.part_of_speech()[0] in _CONTENT_POS and _HAS_CJK.search(p.surface())
        )
    return QueryTerm(surface, english=False, norm=norm, parts=parts)


def _counter_noun(morpheme: Any) -> bool:
    # 件, 回, 年 …: one-character nouns that count things frame a question (「〜の件」)
    # rather than name its topic.
    pos = morpheme.part_of_speech()
    return len(morpheme.surface()) == 1 and pos[0] == "名詞" and pos[2] == "助数詞可能"


def content_terms(question: str) -> list[QueryTerm]:
    """The content words of ``question``, in order, without duplicates.

    Japanese words come from SudachiPy's analysis: runs of nouns keep their prefixes and
    suffixes (オンライン化, 次期); verbs, particles, auxiliaries, pronouns and symbols drop out.
    English words lose their function words. A question of one word is kept as it is, even
    when that word alone would not count as content (「件」).
    """
    text = fold(question)
    terms: list[QueryTerm] = []
    group: list[Any] = []
    morphemes = list(_morphemes(text))

    def flush() -> None:
        if group and any(m.part_of_speech()[0] in _CONTENT_POS for m in group):
            terms.append(_japanese_term(group))
        group.clear()

    for morpheme in morphemes:
        surface = morpheme.surface()
        pos = morpheme.part_of_speech()[0]
        if not _HAS_CJK.search(surface):
            flush()
            terms.extend(_english_terms(surface))
        elif pos in _CONTENT_POS and not _counter_noun(morpheme):
            if group and group[-1].part_of_speech()[0] == "接尾辞":
                flush()
            group.append(morpheme)
        elif pos == "接頭辞":
            flush()
            group.append(morpheme)
        elif pos == "接尾辞" and group:
            group.append(morpheme)
        else:
            flush()
    flush()
    if not terms:
        words = [m for m in morphemes if _SEGMENT.fullmatch(m.surface())]
        if len(words) == 1:
            word = words[0].surface()
            if is_english(word):
                terms.append(QueryTerm(word, english=True))
            else:
                terms.append(_japanese_term(words))
    unique: dict[tuple[str, bool], QueryTerm] = {}
    for term in terms:
        unique.setdefault((term.surface, term.english), term)
    return list(unique.values())
