"""YAML reading that remembers where every value came from.

The catalogue is data that officials edit by hand, so every problem must be
reported as ``file:line: problem``. PyYAML knows the line of every node while
it composes the document; this loader keeps it on the mappings and lists it
builds.

It also reads YAML the way a person reads it: only ``true`` / ``false`` are
booleans (YAML 1.1 would turn an option called ``no`` or ``on`` into a bool),
and a mapping with the same key twice is an error instead of a silent
overwrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping read from YAML, with the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence read from YAML, with the line of itself and of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


@dataclass(frozen=True)
class SourceError(Exception):
    """A file that is not readable YAML."""

    file: str
    line: int
    message: str


class _Loader(yaml.SafeLoader):
    pass


# Keep only true/false as booleans: yes/no/on/off stay strings.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int):
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be plain text", key_node.start_mark
            )
        key = str(key)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


# A line break folded into a space between two Chinese characters (or Chinese
# punctuation) is not a space in Chinese: "营业执照、\n  食品经营许可" is one phrase.
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_FOLDED_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    """A string; in a scalar written over several lines (folded ``>``, plain or
    quoted, not literal ``|``), the spaces YAML puts where lines were joined are
    dropped between Chinese characters. Spaces written on one line stay."""
    value = loader.construct_scalar(node)
    assert isinstance(value, str)
    if node.style == "|" or node.start_mark.line == node.end_mark.line:
        return value
    source = node.start_mark.buffer
    if source is None:
        return value
    written = source[node.start_mark.index:node.end_mark.index]
    # Spaces between Chinese characters that the author typed on one line.
    kept = {m.group(0) for m in re.finditer(f"[{_CJK}] +[{_CJK}]", written)}
    return _FOLDED_SPACE.sub(
        lambda m: m.group(0) if _typed(value, m.start(), kept) else "", value)


def _typed(value: str, at: int, kept: set[str]) -> bool:
    return value[at - 1:at + 2] in kept


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(path: Path, display_name: str | None = None) -> Any:
    """Read one YAML file; raise :class:`SourceError` with a line on bad syntax."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(name, 1, f"not UTF-8 text ({exc.reason})") from exc
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        raise SourceError(name, line, f"YAML syntax: {problem}") from exc
