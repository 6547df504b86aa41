"""The one YAML reader for files people hand broll: edit lists, batch specs, QC profiles, user presets.

Those files come from other people and from services that wrap broll, so reading one must
never hang, eat memory or end in a traceback. The reader walks libyaml's event stream itself
(no recursion, so no stack to overflow) and builds plain data plus the line and column of every
key and value, so that callers can name ``file:line:col: field`` in their errors. It refuses,
each with one located :class:`~broll.errors.EditListError`:

- alias expansion beyond :data:`MAX_ALIAS_VALUES` values (the 300-byte "billion laughs" bomb);
  merge keys (``<<: *defaults``) are expanded with duplicate keys folded, so they cannot grow;
- nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_VALUES` values, files over
  :data:`MAX_BYTES`, scalars over :data:`MAX_SCALAR_CHARS`;
- integers beyond 64 bits and non-finite floats (``.inf``, ``1e999``): no field needs them;
- bytes that are not UTF-8, control characters, several documents, tags other than YAML's
  own (``!!python/object`` ...), duplicate keys (the second one usually hides a typo).

libyaml (``CSafeLoader``) parses when PyYAML was built with it; the pure-Python parser
otherwise. Marks are keyed ``("k", *path)`` for a key and ``("v", *path)`` for a value.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from broll.errors import EditListError

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 200_000
MAX_ALIAS_VALUES = 10_000
MAX_SCALAR_CHARS = 20_000
MAX_INT = 2 ** 63

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"

Path_ = tuple  # a field path such as ("timeline", 2, "out")


def dotted(path: Path_) -> str:
    """``("timeline", 2, "out")`` -> ``timeline[2].out``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def find_mark(marks: dict, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
    """The mark of ``path``'s key (or value), else of the nearest ancestor that has one."""
    path = tuple(path)
    while True:
        if key and ("k",) + path in marks:
            return marks[("k",) + path]
        if ("v",) + path in marks:
            return marks[("v",) + path]
        if ("k",) + path in marks:
            return marks[("k",) + path]
        if not path:
            return None, None
        path = path[:-1]


@dataclass(frozen=True)
class YamlDocument:
    """Plain data (dicts, lists, scalars) read from ``source``, with where each piece was written."""

    data: Any
    marks: dict = field(repr=False)
    source: str

    def where(self, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
        return find_mark(self.marks, path, key=key)

    def error(self, message: str, path: Path_ = (), *, key: bool = False, hint: str | None = None) -> EditListError:
        """A located error for the field at ``path`` (its key when ``key``)."""
        line, col = self.where(path, key=key)
        return EditListError(message, file=self.source, line=line, column=col,
                             field=dotted(path) or None, hint=hint)


def load_file(path: str | os.PathLike, *, what: str = "file") -> YamlDocument:
    """Read and parse a YAML file; ``what`` ("edit list", "batch spec" ...) names it in errors."""
    p = Path(path)
    source = str(path)
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise EditListError(f"{what} not found", file=source, hint="check the path") from None
    except IsADirectoryError:
        raise EditListError(f"expected a YAML {what}, got a folder", file=source) from None
    except OSError as exc:
        raise EditListError(f"cannot read the {what} ({exc.strerror or exc})", file=source) from None
    return loads(raw, source, what=what)


def loads(text: str | bytes, source: str, *, what: str = "file") -> YamlDocument:
    """Parse YAML text (or UTF-8 bytes) into a :class:`YamlDocument`; ``source`` names it in errors."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise EditListError(f"the {what} is larger than {MAX_BYTES // (1024 * 1024)} MiB", file=source,
                                hint=f"a YAML {what} is a few kilobytes; is this the right file?")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text.count(b"\n", 0, exc.start) + 1
            col = exc.start - (text.rfind(b"\n", 0, exc.start) + 1) + 1
            raise EditListError(f"not UTF-8 text (byte 0x{text[exc.start]:02x})", file=source, line=line,
                                column=col, hint="save the file as UTF-8") from None
    elif len(text) > MAX_BYTES:
        raise EditListError(f"the {what} is larger than {MAX_BYTES // (1024 * 1024)} MiB", file=source)
    text = text.removeprefix("\ufeff")
    return _Builder(text, source).build()


class _Open:
    """A mapping or sequence being built."""

    __slots__ = ("kind", "path", "anchor", "mark", "value", "size", "key", "key_mark", "merges",
                 "merge_mark", "key_lines")

    def __init__(self, kind: str, path: Path_, anchor: str | None, mark: tuple[int, int]):
        self.kind, self.path, self.anchor, self.mark = kind, path, anchor, mark
        self.value: Any = {} if kind == "map" else []
        self.size = 1
        self.key: Any = _NO_KEY        # the pending key of a mapping (None is a valid key)
        self.key_mark: tuple[int, int] | None = None
        self.merges: list[dict] = []   # mappings named by `<<`, in precedence order
        self.merge_mark: tuple[int, int] | None = None
        self.key_lines: dict = {}      # explicit key -> its line (duplicate-key errors)


_NO_KEY = object()
_MERGE = object()


class _Builder:
    def __init__(self, text: str, source: str):
        self.text, self.source = text, source
        self.marks: dict = {}
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.values = 0
        self.alias_values = 0

    # -- errors -------------------------------------------------------------------------------
    def _fail(self, message: str, mark: tuple[int, int] | None, path: Path_ = (), hint: str | None = None):
        raise EditListError(message, file=self.source, line=mark[0] if mark else None,
                            column=mark[1] if mark else None, field=dotted(path) or None, hint=hint)

    @staticmethod
    def _mark(m) -> tuple[int, int]:
        return m.line + 1, m.column + 1

    def _syntax_error(self, exc: yaml.YAMLError):
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = self._mark(mark) if mark is not None else None
        position = getattr(exc, "position", None)      # ReaderError: a character offset
        if where is None and isinstance(position, int) and 0 <= position <= len(self.text):
            line = self.text.count("\n", 0, position) + 1
            where = (line, position - (self.text.rfind("\n", 0, position) + 1) + 1)
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        text = f"{context}: {problem}" if context and isinstance(exc, yaml.MarkedYAMLError) else problem
        self._fail(f"not valid YAML: {' '.join(str(text).split())}", where)

    # -- the walk -----------------------------------------------------------------------------
    def build(self) -> YamlDocument:
        loader = _LOADER(self.text)
        try:
            return self._walk(loader)
        except yaml.YAMLError as exc:
            self._syntax_error(exc)
            raise  # unreachable: _syntax_error raises
        finally:
            loader.dispose()

    def _walk(self, loader) -> YamlDocument:
        stack: list[_Open] = []
        root: Any = None
        documents = 0
        while True:
            ev = loader.get_event()
            if isinstance(ev, yaml.StreamEndEvent):
                break
            if isinstance(ev, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self._fail("expected one YAML document, found a second one", self._mark(ev.start_mark),
                               hint="remove the `---` line, or split the file")
                continue
            if isinstance(ev, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                continue
            mark = self._mark(ev.start_mark)
            parent = stack[-1] if stack else None
            is_key = parent is not None and parent.kind == "map" and parent.key is _NO_KEY
            path = () if parent is None else parent.path if is_key else self._child_path(parent)
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                kind = "map" if isinstance(ev, yaml.MappingStartEvent) else "seq"
                if is_key:
                    self._fail("a mapping key must be a plain value, not a " +
                               ("mapping" if kind == "map" else "list"), mark, parent.path)
                if ev.tag not in (None, "!", _MAP_TAG if kind == "map" else _SEQ_TAG):
                    self._fail(f"unsupported YAML tag {ev.tag}", mark, path, "remove the tag")
                if len(stack) >= MAX_DEPTH:
                    self._fail(f"nested deeper than {MAX_DEPTH} levels", mark, path,
                               "no broll file needs this; is it generated by mistake?")
                self._count(1, mark, path)
                self.marks[("v",) + path] = mark
                stack.append(_Open(kind, path, ev.anchor, mark))
                continue
            if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()
                value = self._finish(done)
                if done.anchor is not None:
                    self.anchors[done.anchor] = (value, done.size)
                if not stack:
                    root = value
                else:
                    self._add(stack[-1], value, done.size, done.mark)
                continue
            if isinstance(ev, yaml.AliasEvent):
                value, size = self._alias(ev, stack, mark, path)
                if is_key:
                    if isinstance(value, (dict, list)):
                        self._fail("a mapping key must be a plain value", mark, parent.path)
                    self._set_key(parent, value, mark)
                    continue
                self.marks[("v",) + path] = mark
                if parent is None:
                    root = value
                else:
                    self._add(parent, value, size, mark)
                continue
            if isinstance(ev, yaml.ScalarEvent):
                value, tag = self._scalar(loader, ev, mark, path)
                self._count(1, mark, path)
                if ev.anchor is not None:
                    self.anchors[ev.anchor] = (value, 1)
                if is_key:
                    self._set_key(parent, _MERGE if tag == _MERGE_TAG else value, mark)
                    continue
                self.marks[("v",) + path] = mark
                if parent is None:
                    root = value
                else:
                    self._add(parent, value, 1, mark)
                continue
        return YamlDocument(root, self.marks, self.source)

    @staticmethod
    def _child_path(parent: _Open) -> Path_:
        if parent.kind == "seq":
            return parent.path + (len(parent.value),)
        return parent.path + (("<<",) if parent.key is _MERGE else (parent.key,))

    def _count(self, n: int, mark, path) -> None:
        self.values += n
        if self.values > MAX_VALUES:
            self._fail(f"more than {MAX_VALUES} values", mark, path, "is this the right file?")

    def _alias(self, ev, stack: list[_Open], mark, path) -> tuple[Any, int]:
        name = ev.anchor
        if name not in self.anchors:
            if any(o.anchor == name for o in stack):
                self._fail(f"alias *{name} refers to a value that contains it", mark, path)
            self._fail(f"alias *{name} names no anchor defined before it", mark, path,
                       f"define `&{name}` earlier in the file")
        value, size = self.anchors[name]
        self.alias_values += size
        if self.alias_values > MAX_ALIAS_VALUES:
            self._fail(f"aliases expand to more than {MAX_ALIAS_VALUES} values (at *{name}); refusing an alias bomb",
                       mark, path, "write the values out, or use fewer nested aliases")
        self._count(size, mark, path)
        return (copy.deepcopy(value) if isinstance(value, (dict, list)) else value), size

    def _scalar(self, loader, ev, mark, path) -> tuple[Any, str]:
        if len(ev.value) > MAX_SCALAR_CHARS:
            self._fail(f"a value of {len(ev.value)} characters (the limit is {MAX_SCALAR_CHARS})", mark, path)
        tag = ev.tag
        if tag is None or tag == "!":
            tag = loader.resolve(yaml.ScalarNode, ev.value, ev.implicit)
        if tag == _MERGE_TAG:
            return None, tag
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, style=ev.style)
        try:
            value = loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self._fail(f"unsupported YAML tag {tag}" if "constructor for the tag" in str(exc)
                       else f"not a valid value: {exc.problem}", mark, path, "remove the tag" if "tag" in str(exc) else None)
        except (ValueError, OverflowError, TypeError) as exc:   # int("9" * 5000), bad timestamps, ...
            if tag.endswith((":int", ":float")):
                self._fail(f"number {_clip(ev.value)} is too large", mark, path)
            self._fail(f"cannot read {_clip(ev.value)} ({str(exc).split(';')[0]})", mark, path)
        if isinstance(value, bool):
            return value, tag
        if isinstance(value, int) and not -MAX_INT < value < MAX_INT:
            self._fail(f"number {_clip(ev.value)} is too large", mark, path)
        if isinstance(value, float) and not math.isfinite(value):
            self._fail(f"{_clip(ev.value)} is not a finite number", mark, path)
        return value, tag

    def _set_key(self, parent: _Open, key: Any, mark) -> None:
        if key is not _MERGE:
            if isinstance(key, (dict, list)):
                self._fail("a mapping key must be a plain value", mark, parent.path)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                key = str(key)
            if key in parent.key_lines:
                self._fail(f"duplicate key '{key}' (first at line {parent.key_lines[key]})", mark,
                           parent.path + (key,), "keep one of them")
            parent.key_lines[key] = mark[0]
            self.marks[("k",) + parent.path + (key,)] = mark
        else:
            parent.merge_mark = mark
        parent.key, parent.key_mark = key, mark

    def _add(self, parent: _Open, value: Any, size: int, mark) -> None:
        parent.size += size
        if parent.kind == "seq":
            parent.value.append(value)
            return
        key, parent.key = parent.key, _NO_KEY
        if key is _MERGE:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(s, dict) for s in sources):
                self._fail("`<<` merges a mapping or a list of mappings", mark, parent.path)
            parent.merges.extend(sources)
            return
        parent.value[key] = value

    def _finish(self, done: _Open) -> Any:
        if done.kind == "seq" or not done.merges:
            return done.value
        merged: dict = {}
        for source in reversed(done.merges):   # earlier mappings in `<<: [*a, *b]` win
            merged.update(source)
        for key in merged:
            if key not in done.value:
                self.marks.setdefault(("k",) + done.path + (key,), done.merge_mark)
        merged.update(done.value)
        return merged


def _clip(text: str, n: int = 40) -> str:
    return repr(text if len(text) <= n else text[:n] + "...")
