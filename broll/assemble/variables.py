"""``vars:`` and ``{{name}}``: one edit list, many reels.

Substitution runs on the parsed YAML tree before schema validation, so a variable may stand in any text, path
or caption, and the marks of the tree still locate every error. A value that fills a whole string keeps its
YAML type (``volume: "{{vol}}"`` with ``vol: -9`` is the number -9). ``--set name=value`` and the rows of
``--variants rows.csv`` override the defaults. An unknown variable is a located error with did-you-mean.
"""

from __future__ import annotations

import csv
import io
import re
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Callable, Mapping

from broll.errors import EditListError

_REF = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
Locate = Callable[[tuple], tuple]   # path -> (line, column)


def references(data: Any) -> set[str]:
    """Every variable name the tree refers to (keys are never substituted)."""
    found: set[str] = set()
    if isinstance(data, dict):
        for value in data.values():
            found |= references(value)
    elif isinstance(data, list):
        for value in data:
            found |= references(value)
    elif isinstance(data, str):
        found |= set(_REF.findall(data))
    return found


def _defaults(data: Any, source: str, locate: Locate) -> dict[str, Any]:
    raw = data.get("vars") if isinstance(data, dict) else None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        line, col = locate(("vars",))
        raise EditListError("vars: expected a mapping of name: value", file=source, line=line, column=col,
                            hint='e.g. vars: {headline: "Spring sale", slug: spring}')
    out = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not _NAME.match(name):
            line, col = locate(("vars", name))
            raise EditListError(f"vars: '{name}' is not a variable name", file=source, line=line, column=col,
                                hint="use letters, digits, _ and -, starting with a letter")
        if isinstance(value, (dict, list)):
            line, col = locate(("vars", name))
            raise EditListError(f"vars.{name}: a variable holds text or a number, not a list or mapping",
                                file=source, line=line, column=col)
        out[name] = value
    return out


def substitute(data: Any, *, source: str, locate: Locate, overrides: Mapping[str, Any] | None = None,
               override_origin: str = "--set") -> Any:
    """The tree with every ``{{name}}`` replaced; ``vars`` itself is dropped from the result."""
    values = _defaults(data, source, locate)
    used = references(data)
    for name in overrides or {}:
        if name not in values and name not in used:
            close = get_close_matches(name, sorted(set(values) | used), n=1)
            raise EditListError(f"{override_origin}: '{name}' is not a variable of this edit list",
                                file=source, hint=(f"did you mean '{close[0]}'? " if close else "")
                                + "declare it under vars: or use {{" + name + "}} somewhere")
        values[name] = (overrides or {})[name]

    def fill(value: Any, path: tuple) -> Any:
        if isinstance(value, dict):
            return {k: fill(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v, path + (i,)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "{{" not in value:
            return value
        for name in _REF.findall(value):
            if name not in values:
                line, col = locate(path)
                close = get_close_matches(name, sorted(values), n=1)
                raise EditListError(f"unknown variable '{{{{{name}}}}}'", file=source, line=line, column=col,
                                    hint=(f"did you mean '{close[0]}'? " if close else "")
                                    + "declare it under vars: or pass --set " + name + "=...")
        whole = _REF.fullmatch(value.strip())
        if whole:
            return values[whole.group(1)]
        return _REF.sub(lambda m: _text(values[m.group(1)]), value)

    body = {k: v for k, v in data.items() if k != "vars"} if isinstance(data, dict) else data
    return fill(body, ())


def fill_variables(doc, overrides: Mapping[str, Any] | None = None, *, origin: str = "--set") -> Any:
    """A YamlDocument's data with ``vars:`` and every ``{{name}}`` filled in (unchanged when it uses none)."""
    data = doc.data
    if not overrides and not (isinstance(data, dict) and ("vars" in data or references(data))):
        return data
    return substitute(data, source=doc.source, locate=lambda path: _find_mark(doc.marks, path),
                      overrides=overrides, override_origin=origin)


def _find_mark(marks: dict, path: tuple) -> tuple:
    from broll.yamlfile import find_mark
    return find_mark(marks, path)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``name=value`` from ``--set``; the value is read as YAML scalar (numbers stay numbers)."""
    import yaml

    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not _NAME.match(name):
        raise EditListError(f"--set {text!r}: expected name=value", hint='e.g. --set headline="Spring sale"')
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    if isinstance(value, (dict, list)) or value is None:
        value = raw
    return name, value


def read_variant_rows(path: str | Path) -> list[dict[str, str]]:
    """The rows of a variants CSV: a header of variable names, one reel per row; located errors."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EditListError("variants file not found", file=str(p), hint="check the path") from None
    except UnicodeDecodeError:
        raise EditListError("not UTF-8 text", file=str(p), hint="save the CSV as UTF-8") from None
    except OSError as exc:
        raise EditListError(f"cannot read the variants file: {exc.strerror}", file=str(p)) from None
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise EditListError(f"not a valid CSV: {exc}", file=str(p), line=reader.line_num) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise EditListError("the variants file has no header row", file=str(p), line=1,
                            hint="the first row names the variables, e.g. headline,slug")
    header = [cell.strip() for cell in rows[0]]
    for col, name in enumerate(header, 1):
        if not _NAME.match(name):
            raise EditListError(f"column {col} header '{name}' is not a variable name", file=str(p), line=1, column=col)
    if len(set(header)) != len(header):
        raise EditListError("a column name appears twice in the header", file=str(p), line=1)
    out = []
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise EditListError(f"row has {len(row)} cells, the header has {len(header)}", file=str(p), line=line)
        out.append(dict(zip(header, (cell.strip() for cell in row))))
    if not out:
        raise EditListError("the variants file has a header but no rows", file=str(p), line=2)
    return out
