"""Search over bundles (一件事), scenarios (导办场景) and matters (事项), as plain Python.

``SearchIndex.from_catalog(catalog)`` builds an index from the catalogue specs;
``index.search(query, limit)`` returns :class:`Hit` objects, best first. Things
that are not in the catalogue but that people look for in the same box — the
service halls (办事大厅: "办事大厅地址", a hall's name or address) — are passed
as ``entries`` (:class:`Entry`: a kind, key, title, address and synonyms) and
indexed the same way.

What a query may be:

* Chinese, simplified or traditional (OpenCC ``t2s``), whole or partial names,
  with or without spaces, colloquial names from the catalogue's ``synonyms``
  (生孩子 → 新生儿出生), even with filler words (我想…怎么办);
* full pinyin, whole or the start of it (``shuidian``, ``shui dian``,
  ``shuidianq``), or pinyin initials (``sdqw``);
* pinyin of a colloquial name (``shenghaizi``): the pinyin is read back into
  Chinese words with the catalogue's own vocabulary, then searched as Chinese.

How it works: each name (title or synonym) of a document is a *field*. At build
time every field gets its jieba tokens (with a user dictionary made from the
catalogue's names and synonyms, on a tokenizer of our own), its character
bigrams, its full pinyin and its initials, all in inverted indexes. A query
is a handful of dictionary and set look-ups: the score of a field is the share
of the query it covers (bigrams weighted by rarity) and how much of the field
is covered, plus bonuses for an exact or prefix match. Bundles and scenarios
rank before single matters (kind weights). Nothing here imports Django.
"""

from __future__ import annotations

import heapq
import html
import logging
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast

from onething.domain.catalog import Catalog

if TYPE_CHECKING:
    import opencc

KIND_LABELS = {"bundle": "一件事", "scenario": "导办场景", "matter": "事项", "hall": "办事大厅"}
# Bundles and scenarios before single matters: a matter is one step of a bundle.
_KIND_WEIGHT = {"bundle": 1.0, "scenario": 0.92, "matter": 0.7, "hall": 0.9}
_TITLE_WEIGHT, _SYNONYM_WEIGHT = 1.0, 0.95
_MIN_SCORE = 0.3  # below this a hit is noise (one common bigram out of many)
# A bundle is also found through its matters (食品经营许可 → 开办餐饮店), a little
# below a direct match but above the matter itself.
_THROUGH_MATTER = 0.8
_STRONG = 0.9  # a whole name or synonym matched: no need to try other readings
_PINYIN_KEY = 6  # pinyin prefixes of 2..6 letters at each syllable start are indexed
_COUNT = 1000.0  # see _chinese: matched-unit count and weight in one float

# Words that say nothing about which service is meant (我想…怎么办).
STOPWORDS = frozenset(
    "我 我要 我想 想 要 想要 怎么 怎么办 怎样 如何 咋 咋办 在哪 哪里 哪儿 去哪 什么 需要 "
    "的 了 吗 呢 啊 吧 呀 请问 一下 可以 能 能不能 应该 个 一个 去 给 帮 帮忙 您好 你好 "
    "流程 材料 多久 在线 网上".split()
)

# Everyday words and the word the catalogue uses for the same thing. Applied
# to queries only, as an alternative reading; general language, not a
# per-bundle synonym list (that belongs in the catalogue).
EQUIVALENTS: tuple[tuple[str, str], ...] = (
    ("小孩", "孩子"), ("小孩子", "孩子"), ("娃", "孩子"), ("孩儿", "孩子"), ("宝贝", "宝宝"),
    ("饭馆", "饭店"), ("餐厅", "餐馆"), ("小吃", "餐馆"),
    ("过世", "去世"), ("走了", "去世"), ("死了", "去世"), ("离世", "去世"), ("逝世", "去世"),
    ("老爸", "老人"), ("老妈", "老人"), ("父亲", "老人"), ("母亲", "老人"), ("爸妈", "父母"),
    ("企业", "公司"), ("公司", "企业"), ("执照", "营业执照"), ("名字", "名称"), ("改名字", "改名"),
    ("电费", "用电"), ("水费", "用水"), ("网线", "宽带"),
    ("念书", "上学"), ("读书", "上学"), ("上幼儿园", "入学"),
    ("退休金", "养老金"), ("社会保险卡", "社保卡"),
)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KEEP = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff ]+")
_LETTERS = re.compile(r"^[a-z ]+$")

Span = tuple[int, int]


@dataclass(frozen=True)
class Entry:
    """A searchable thing from outside the catalogue (a service hall): found by its
    title and synonyms like a bundle, listed after the catalogue in ties."""

    kind: str  # a key of KIND_LABELS
    key: str
    title: str
    url_path: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    kind: str  # bundle | scenario | matter | hall
    key: str  # bundle slug, scenario slug or matter code
    title: str
    url_path: str | None  # where the hit leads; a matter leads to its bundle's page
    bundle: str | None  # the slug of the bundle it leads to
    score: float
    highlights: tuple[Span, ...] = ()  # [start, end) character spans of the title
    matched: str = ""  # the synonym that matched, when it was not the title
    matched_highlights: tuple[Span, ...] = ()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def title_html(self) -> str:
        return highlight_html(self.title, self.highlights)

    @property
    def matched_html(self) -> str:
        return highlight_html(self.matched, self.matched_highlights)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "key": self.key,
            "title": self.title,
            "url": self.url_path,
            "bundle": self.bundle,
            "score": round(self.score, 4),
            "highlights": [list(s) for s in self.highlights],
            "title_html": self.title_html,
            "matched": self.matched or None,
        }


def highlight_html(text: str, spans: Iterable[Span]) -> str:
    """The text, HTML-escaped, with each span wrapped in <mark>."""
    out: list[str] = []
    at = 0
    for start, end in sorted(spans):
        if start < at:
            continue
        out.append(html.escape(text[at:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


# --------------------------------------------------------------------------
# Text helpers


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC("t2s")


def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 else char.lower()


def fold(text: str) -> str:
    """Full-width to half-width, lower case, one character for one (spans stay valid)."""
    return "".join(_fold_char(c) for c in text)


def normalize_query(query: str) -> str:
    """Folded, traditional → simplified, punctuation → spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKC", query or "").lower()
    if _CJK.search(text):
        text = _t2s().convert(text)
    return " ".join(_KEEP.sub(" ", text).split())


def _one_per_character(chars: str) -> Any:
    """pypinyin's ``errors`` callback: one item per character that has no pinyin, so the
    result stays aligned with the text. pypinyin takes a list here (its own handler
    returns one); its type stub says ``str``, hence ``Any``."""
    return list(chars)


def _syllables(text: str) -> list[str]:
    """One pinyin syllable per character ('' for punctuation and spaces)."""
    from pypinyin import lazy_pinyin

    result = lazy_pinyin(text, errors=_one_per_character)
    if len(result) != len(text):  # defensive: keep the alignment per character
        result = [(lazy_pinyin(c, errors=_one_per_character) or [""])[0] for c in text]
    return [s if s.isalnum() and s.isascii() else "" for s in (x.lower() for x in result)]


def _bigrams(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(len(text) - 1)]


def _spans_of(text: str, units: Iterable[str]) -> tuple[Span, ...]:
    """Character spans of every occurrence of the units in text, merged."""
    marks = [False] * len(text)
    for unit in units:
        if not unit:
            continue
        start = text.find(unit)
        while start >= 0:
            for i in range(start, start + len(unit)):
                marks[i] = True
            start = text.find(unit, start + 1)
    spans: list[Span] = []
    i = 0
    while i < len(marks):
        if marks[i]:
            j = i
            while j < len(marks) and marks[j]:
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return tuple(spans)


# --------------------------------------------------------------------------
# The tokenizer


class Tokenizer(Protocol):
    """What the index uses of a jieba tokenizer (jieba has no type hints)."""

    def tokenize(self, unicode_sentence: str, mode: str = ..., HMM: bool = ...
                 ) -> Iterable[tuple[str, int, int]]: ...

    def lcut(self, sentence: str, cut_all: bool = ..., HMM: bool = ...) -> list[str]: ...


@lru_cache(maxsize=1)
def _base_tokenizer() -> Any:
    """jieba's bundled dictionary, loaded once per process (it takes about a second)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def make_tokenizer(words: Iterable[str]) -> Tokenizer:
    """A jieba tokenizer of our own with the catalogue's words added.

    It shares nothing mutable with jieba's global tokenizer or other indexes:
    the loaded prefix dictionary is copied rather than read again.
    """
    import jieba

    base = _base_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    for word in words:
        if len(word) >= 2:
            tokenizer.add_word(word, freq=max(tokenizer.suggest_freq(word), 1000))
    return cast(Tokenizer, tokenizer)


# --------------------------------------------------------------------------
# The index


@dataclass
class _Doc:
    kind: str
    key: str
    title: str
    url_path: str | None
    bundle: str | None
    order: int  # catalogue order, for ties and for suggestions


@dataclass
class _Field:
    doc: int
    text: str  # folded, same length as the original
    weight: float
    is_title: bool
    pinyin: str  # full pinyin, no separators
    pinyin_chars: list[int]  # for each pinyin letter, the character it belongs to
    pinyin_starts: frozenset[int]  # offsets in pinyin where a syllable starts
    initials: str
    initial_chars: list[int]
    tokens: frozenset[str] = field(default_factory=frozenset)


class _Match(NamedTuple):
    score: float
    field: int
    units: frozenset[str]  # strings to highlight where the field contains them


class SearchIndex:
    """An in-memory index of one catalogue; build once, query many times (read-only)."""

    def __init__(self) -> None:
        self.docs: list[_Doc] = []
        self.fields: list[_Field] = []
        self.units: dict[str, list[int]] = defaultdict(list)  # char / bigram -> fields
        self.idf: dict[str, float] = {}
        self.pinyin_keys: dict[str, list[int]] = defaultdict(list)  # 2-3 letters at a syllable
        self.initial_bigrams: dict[str, list[int]] = defaultdict(list)
        self.initial_chars: dict[str, list[int]] = defaultdict(list)
        self.vocabulary: dict[str, str] = {}  # pinyin -> a catalogue word that sounds so
        self.bundles_of_matter: dict[int, list[int]] = {}  # matter doc -> bundle docs
        # per field, for the hot loop: text without spaces, bigram count, weight × kind weight
        self.field_bare: list[str] = []
        self.field_units: list[int] = []
        self.field_boost: list[float] = []
        self.field_doc: list[int] = []
        self.tokenizer: Tokenizer | None = None

    # -- building ---------------------------------------------------------

    @classmethod
    def from_catalog(cls, catalog: Catalog, entries: Iterable[Entry] = ()) -> SearchIndex:
        index = cls()
        entries = list(entries)
        unknown = sorted({e.kind for e in entries} - set(KIND_LABELS))
        if unknown:
            raise ValueError(f"unknown search entry kind(s): {', '.join(unknown)}")
        names: list[str] = []
        first_bundle: dict[str, str] = {}
        for bundle in catalog.bundles.values():
            names.append(bundle.name)
            names.extend(bundle.synonyms)
            for code in bundle.matter_codes:
                first_bundle.setdefault(code, bundle.slug)
        for scenario in catalog.scenarios.values():
            names.append(scenario.title)
            names.extend(scenario.synonyms)
        for matter in catalog.matters.values():
            names.append(matter.name)
        for entry in entries:
            names.append(entry.title)
            names.extend(entry.synonyms)
        index.tokenizer = make_tokenizer(
            {fold(n) for n in names} | {w for pair in EQUIVALENTS for w in pair}
        )

        order = 0
        for bundle in catalog.bundles.values():
            index._add(_Doc("bundle", bundle.slug, bundle.name, f"/bundles/{bundle.slug}/",
                            bundle.slug, order), bundle.name, bundle.synonyms)
            order += 1
        for scenario in catalog.scenarios.values():
            index._add(_Doc("scenario", scenario.slug, scenario.title,
                            f"/scenarios/{scenario.slug}/", scenario.bundle, order),
                       scenario.title, scenario.synonyms)
            order += 1
        bundle_doc = {d.key: i for i, d in enumerate(index.docs) if d.kind == "bundle"}
        bundles_of: dict[str, list[int]] = defaultdict(list)
        for bundle in catalog.bundles.values():
            for code in dict.fromkeys(bundle.matter_codes):
                bundles_of[code].append(bundle_doc[bundle.slug])
        for matter in catalog.matters.values():
            slug = first_bundle.get(matter.code)
            index._add(_Doc("matter", matter.code, matter.name,
                            f"/bundles/{slug}/" if slug else None, slug, order), matter.name, ())
            index.bundles_of_matter[len(index.docs) - 1] = bundles_of.get(matter.code, [])
            order += 1
        for entry in entries:
            index._add(_Doc(entry.kind, entry.key, entry.title, entry.url_path, None, order),
                       entry.title, entry.synonyms)
            order += 1
        total = max(len(index.fields), 1)
        index.idf = {u: math.log(1 + total / len(f)) for u, f in index.units.items()}
        for word in (w for pair in EQUIVALENTS for w in pair):
            index.vocabulary.setdefault("".join(_syllables(word)), word)
        return index

    def _add(self, doc: _Doc, title: str, synonyms: Iterable[str]) -> None:
        self.docs.append(doc)
        doc_id = len(self.docs) - 1
        seen: set[str] = set()
        for text, weight, is_title in [(title, _TITLE_WEIGHT, True),
                                       *((s, _SYNONYM_WEIGHT, False) for s in synonyms)]:
            folded = fold(text)
            if not folded.strip() or folded in seen:
                continue
            seen.add(folded)
            self._add_field(doc_id, folded, weight, is_title)

    def _add_field(self, doc_id: int, text: str, weight: float, is_title: bool) -> None:
        field_id = len(self.fields)
        syllables = _syllables(text)
        pinyin_parts, pinyin_chars, starts, initials, initial_chars = [], [], set(), [], []
        offset = 0
        for char_index, syllable in enumerate(syllables):
            if not syllable:
                continue
            starts.add(offset)
            pinyin_parts.append(syllable)
            pinyin_chars.extend([char_index] * len(syllable))
            offset += len(syllable)
            initials.append(syllable[0])
            initial_chars.append(char_index)
        pinyin = "".join(pinyin_parts)
        tokens: set[str] = set()
        assert self.tokenizer is not None
        for word, start, end in self.tokenizer.tokenize(text, mode="search", HMM=False):
            word = word.strip()
            if not word:
                continue
            tokens.add(word)
            sound = "".join(syllables[start:end])
            if sound and _CJK.search(word):
                self.vocabulary.setdefault(sound, word)
        for char, sound in zip(text, syllables, strict=True):
            if sound and _CJK.match(char):
                self.vocabulary.setdefault(sound, char)
        initials_text = "".join(initials)
        self.fields.append(_Field(doc_id, text, weight, is_title, pinyin, pinyin_chars,
                                  frozenset(starts), initials_text, initial_chars,
                                  frozenset(tokens)))
        bare = text.replace(" ", "")
        self.field_bare.append(bare)
        self.field_units.append(max(len(text) - 1, 1))
        self.field_boost.append(weight * _KIND_WEIGHT[self.docs[doc_id].kind])
        self.field_doc.append(doc_id)
        units = set(text.replace(" ", "")) | set(_bigrams(text))
        for unit in units:
            if unit.strip() and " " not in unit:
                self.units[unit].append(field_id)
        keys = set()
        for start in starts:
            for length in range(2, _PINYIN_KEY + 1):
                if start + length <= len(pinyin):
                    keys.add(pinyin[start:start + length])
        for key in keys:
            self.pinyin_keys[key].append(field_id)
        for unit in set(_bigrams(initials_text)):
            self.initial_bigrams[unit].append(field_id)
        for unit in set(initials_text):
            self.initial_chars[unit].append(field_id)

    # -- querying -----------------------------------------------------------

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """The best hits for the query, best first; [] when nothing fits (never raises)."""
        text = normalize_query(query)
        if not text or limit <= 0:
            return []
        best: dict[int, _Match] = {}
        keep = max(64, 4 * limit)  # candidates per reading that are scored in full
        if _LETTERS.match(text):
            letters = text.replace(" ", "")
            self._merge(best, self._pinyin(letters), 1.0)
            self._merge(best, self._initials(letters), 1.0)
            reading = self._read_pinyin(letters)
            if reading:
                self._read_chinese(best, reading, keep, 0.9)
        else:
            self._read_chinese(best, text, keep, 1.0)
        self._through_matters(best)
        ranked = heapq.nlargest(
            limit, ((m.score, -self.docs[d].order, d) for d, m in best.items()
                    if m.score >= _MIN_SCORE))
        return [self._hit(doc_id, best[doc_id]) for _, _, doc_id in ranked]

    def suggestions(self, limit: int = 6) -> list[Hit]:
        """Popular bundles to offer when a query finds nothing: those with the most
        scenarios (导办场景 are written for the commonest needs), then catalogue order."""
        scenario_count: dict[str, int] = defaultdict(int)
        for doc in self.docs:
            if doc.kind == "scenario" and doc.bundle:
                scenario_count[doc.bundle] += 1
        bundles = [d for d in self.docs if d.kind == "bundle"]
        bundles.sort(key=lambda d: (-scenario_count[d.key], d.order))
        return [Hit(d.kind, d.key, d.title, d.url_path, d.bundle, 0.0) for d in bundles[:limit]]

    @staticmethod
    def _merge(best: dict[int, _Match], found: dict[int, _Match], factor: float) -> None:
        for doc_id, match in found.items():
            current = best.get(doc_id)
            if current is None or match.score * factor > current.score:
                best[doc_id] = match if factor == 1.0 else match._replace(
                    score=match.score * factor)

    def _read_chinese(self, best: dict[int, _Match], text: str, keep: int,
                      factor: float) -> None:
        self._merge(best, self._chinese(text, keep, factor), 1.0)
        if best and max(m.score for m in best.values()) >= _STRONG * factor:
            return  # found by the words as typed: everyday-word readings add only noise
        for variant, variant_factor in self._variants(text)[1:]:
            self._merge(best, self._chinese(variant, keep, factor * variant_factor), 1.0)

    def _through_matters(self, best: dict[int, _Match]) -> None:
        through: dict[int, _Match] = {}
        factor = _THROUGH_MATTER / _KIND_WEIGHT["matter"]
        floor = _MIN_SCORE / factor
        for doc_id, match in best.items():
            if match.score < floor:
                continue
            for bundle_id in self.bundles_of_matter.get(doc_id, ()):
                score = match.score * factor
                if bundle_id not in through or score > through[bundle_id].score:
                    through[bundle_id] = _Match(score, match.field, match.units)
        self._merge(best, through, 1.0)

    def _variants(self, text: str) -> list[tuple[str, float]]:
        """The query, and readings with everyday words replaced by the catalogue's."""
        variants = [(text, 1.0)]
        for everyday, catalogue_word in EQUIVALENTS:
            if everyday in text and catalogue_word not in text:
                variants.append((text.replace(everyday, catalogue_word), 0.95))
        return variants[:6]

    def _segments(self, text: str) -> list[str]:
        """The query cut into words, filler words dropped, runs of kept words rejoined."""
        segments: list[str] = []
        assert self.tokenizer is not None
        for part in text.split():
            words = self.tokenizer.lcut(part, HMM=False)
            run = ""
            for word in words:
                if word in STOPWORDS:
                    if run:
                        segments.append(run)
                    run = ""
                else:
                    run += word
            if run:
                segments.append(run)
        return segments or text.split()

    def _chinese(self, text: str, keep: int = 64, factor: float = 1.0) -> dict[int, _Match]:
        segments = self._segments(text)
        units: set[str] = set()
        for segment in segments:
            units.update(_bigrams(segment) if len(segment) >= 2 else [segment])
        joined = "".join(segments)
        if len(segments) > 1:  # 水 电 → 水电
            units.update(b for b in _bigrams(joined) if b in self.units)
        if not units:
            return {}
        top_idf = math.log(1 + max(len(self.fields), 1))
        weights = {u: self.idf.get(u, top_idf) for u in units}
        total = sum(weights.values())
        # One float per field: _COUNT × matched units + their weight (weights sum < _COUNT).
        covered: dict[int, float] = {}
        get = covered.get
        for unit in units:
            postings = self.units.get(unit)
            if postings:
                weight = weights[unit] + _COUNT
                for field_id in postings:
                    covered[field_id] = get(field_id, 0.0) + weight
        if not covered:
            return {}
        # A field that covers half the query less than the best one cannot catch up
        # (bonuses are at most 0.2): drop those before scoring (common bigrams such
        # as 经营 or 许可 touch thousands of fields).
        floor = max(p % _COUNT for p in covered.values()) - 0.5 * total
        candidates = [(f, p) for f, p in covered.items() if p % _COUNT >= floor]
        bare_of, units_of, boost_of = self.field_bare, self.field_units, self.field_boost
        scored: list[tuple[float, int]] = []
        for field_id, packed in candidates:
            count = packed // _COUNT
            query_share = (packed - count * _COUNT) / total
            field_share = count / units_of[field_id]
            if field_share > 1.0:
                field_share = 1.0
            score = query_share * (0.75 + 0.25 * field_share)
            bare = bare_of[field_id]
            if bare == joined:
                score += 0.3
            elif bare.startswith(joined) or (len(bare) >= 2 and bare in joined):
                score += 0.1
            scored.append((score * boost_of[field_id] * factor, field_id))
        # Only the best few get the word bonus (at most 0.1) and go on.
        if len(scored) > keep:
            cut = heapq.nlargest(keep, scored)[-1][0] - 0.1
            scored = [item for item in scored if item[0] >= cut]
        assert self.tokenizer is not None  # from_catalog made it
        words = {w for s in segments for w in self.tokenizer.lcut(s, HMM=False) if len(w) >= 2}
        found_units = frozenset(units)
        result: dict[int, _Match] = {}
        for score, field_id in scored:
            fld = self.fields[field_id]
            if words and fld.tokens:
                score += 0.05 * min(len(words & fld.tokens), 2) * boost_of[field_id] * factor
            current = result.get(fld.doc)
            if current is None or score > current.score:
                result[fld.doc] = _Match(score, field_id, found_units)
        return result

    def _span_match(self, field_id: int, first: int, last: int, whole: bool,
                    quality: float) -> tuple[int, _Match]:
        """A match of characters first..last (inclusive) of a field found by pinyin."""
        fld = self.fields[field_id]
        length = max(len(fld.text.replace(" ", "")), 1)
        share = (last - first + 1) / length
        score = quality * (0.75 + 0.25 * share)
        if first == 0:
            score += 0.3 if whole and last + 1 >= len(fld.text) else 0.1
        score *= fld.weight * _KIND_WEIGHT[self.docs[fld.doc].kind]
        piece = fld.text[first:last + 1]
        units = frozenset(_bigrams(piece) if len(piece) >= 2 else [piece])
        return fld.doc, _Match(score, field_id, units)

    def _pinyin(self, letters: str) -> dict[int, _Match]:
        """Full pinyin, from the start of a syllable; the last syllable may be partial."""
        if len(letters) < 2:
            return {}
        result: dict[int, _Match] = {}
        for field_id in self.pinyin_keys.get(letters[:_PINYIN_KEY], ()):
            fld = self.fields[field_id]
            at = fld.pinyin.find(letters)
            while at >= 0 and at not in fld.pinyin_starts:
                at = fld.pinyin.find(letters, at + 1)
            if at < 0:
                continue
            end = at + len(letters)
            whole = end == len(fld.pinyin) or end in fld.pinyin_starts
            first, last = fld.pinyin_chars[at], fld.pinyin_chars[end - 1]
            doc_id, match = self._span_match(field_id, first, last, whole,
                                             1.0 if whole else 0.9)
            if doc_id not in result or match.score > result[doc_id].score:
                result[doc_id] = match
        return result

    def _initials(self, letters: str) -> dict[int, _Match]:
        """Pinyin initials (sdqw = 水电气网); short ones are weaker, they say less."""
        if len(letters) < 2 or len(letters) > 12:
            return {}
        quality = 0.85 if len(letters) == 2 else 0.95
        candidates = self.initial_bigrams.get(letters[:2], ())
        result: dict[int, _Match] = {}
        for field_id in candidates:
            fld = self.fields[field_id]
            at = fld.initials.find(letters)
            if at < 0:
                continue
            first, last = fld.initial_chars[at], fld.initial_chars[at + len(letters) - 1]
            whole = at + len(letters) == len(fld.initials)
            doc_id, match = self._span_match(field_id, first, last, whole, quality)
            if doc_id not in result or match.score > result[doc_id].score:
                result[doc_id] = match
        return result

    def _read_pinyin(self, letters: str) -> str:
        """Pinyin read back as the catalogue's own words: fewest words that spell it."""
        n = len(letters)
        if n < 4 or n > 40:
            return ""
        longest = 24
        best: list[tuple[int, str] | None] = [None] * (n + 1)
        best[0] = (0, "")
        for i in range(n):
            if best[i] is None:
                continue
            count, words = best[i]  # type: ignore[misc]
            for j in range(i + 1, min(n, i + longest) + 1):
                word = self.vocabulary.get(letters[i:j])
                if word is None:
                    continue
                candidate = (count + 1, words + word)
                if best[j] is None or candidate[0] < best[j][0]:  # type: ignore[index]
                    best[j] = candidate
        found = best[n]
        if found is None or found[0] > max(2, n // 4):
            return ""
        return found[1]

    def _hit(self, doc_id: int, match: _Match) -> Hit:
        doc = self.docs[doc_id]
        fld = self.fields[match.field]
        units = [u for u in match.units if u in fld.text]  # what this field matched
        title_spans = _spans_of(fold(doc.title), units)
        matched = ""
        matched_spans: tuple[Span, ...] = ()
        if not fld.is_title or fld.doc != doc_id:  # a synonym, or a matter of the bundle
            matched = self.docs[fld.doc].title if fld.is_title else fld.text
            matched_spans = _spans_of(fld.text, units)
        return Hit(doc.kind, doc.key, doc.title, doc.url_path, doc.bundle, match.score,
                   title_spans, matched, matched_spans)
