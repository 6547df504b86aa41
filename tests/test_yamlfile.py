"""The shared YAML reader: located errors, hostile input refused fast, and a seeded fuzz of
every loader built on it (edit lists, batch specs, QC profiles), in-process and through the CLI.

Contract: a file either loads, or one :class:`BrollError` names the file (and, for YAML-level
problems, line and column) on one line; never another exception, never a traceback, never
more than a moment. Schema errors in a file that *is* valid YAML are listed one per line by
``broll validate`` (each located); everything the YAML reader refuses is exactly one line.
"""

from __future__ import annotations

import random
import re
import time
from importlib import resources
from pathlib import Path

import pytest

from broll import yamlfile
from broll.assemble.editlist import load_edit_list
from broll.errors import BrollError, EditListError, EditListErrors
from broll.generate.spec import load_spec
from broll.qc.profile import load_profile

BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

BATCH = """provider: offline
seed: 7
defaults: {duration: 2, aspect: "16:9"}
shots:
  - id: city-dawn
    prompt: "aerial city at dawn"
    variants: 2
  - id: hero
    prompt: "a watch on a plinth"
    duration: 3
"""

PROFILE = """name: mine
base: strict
detectors:
  black:
    severity: review
    max_std: 2.5
  freeze:
    min_frames: 3
"""


def _edit_list() -> str:
    return (resources.files("broll.templates") / "starters" / "social-15s.yaml").read_text(encoding="utf-8")


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    return text


# ---------------------------------------------------------------- the reader itself

def test_marks_name_line_and_column_of_keys_and_values():
    doc = yamlfile.loads("a: 1\nb:\n  - x\n  - {c: 2}\n", "f.yaml")
    assert doc.data == {"a": 1, "b": ["x", {"c": 2}]}
    assert doc.where(("b", 1, "c")) == (4, 9)
    assert doc.where(("b", 1, "c"), key=True) == (4, 6)
    assert doc.where(("b", 7, "zz")) == (3, 3)          # nearest ancestor that exists
    err = doc.error("bad", ("b", 0))
    assert str(err) == "f.yaml:3:5: b[0]: bad"


def test_merge_keys_expand_and_explicit_keys_win():
    doc = yamlfile.loads("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc.data["item"] == {"x": 1, "y": 3}
    assert doc.where(("item", "x"), key=True) == (3, 3)  # a merged key points at the `<<`


@pytest.mark.parametrize("text, expected", [
    (BOMB, r"^f\.yaml:5:8: e\[0\]: aliases expand to more than 10000 values"),
    ("[" * 200 + "]" * 200, r"^f\.yaml:1:65: .*nested deeper than 64 levels"),
    ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 100)) + "  " * 100 + "v: 1\n", r"nested deeper"),
    ("a: " + "9" * 5000, r"^f\.yaml:1:4: a: number '9+\.\.\.' is too large"),
    ("a: 123456789012345678901234567890", r"^f\.yaml:1:4: a: number .* is too large"),
    ("a: 1.0e+999", r"^f\.yaml:1:4: a: .1\.0e\+999. is not a finite number"),
    ("a: .nan", r"is not a finite number"),
    ("a: 1\nb: 2\na: 3\n", r"^f\.yaml:3:1: a: duplicate key 'a' \(first at line 1\)"),
    ("a: !!python/object:os.system x", r"^f\.yaml:1:4: a: unsupported YAML tag"),
    ("a: !!set {x}", r"unsupported YAML tag"),
    ("a: \x00\x01", r"^f\.yaml:1:4: not valid YAML: control characters are not allowed"),
    ("a: [1, 2\n", r"^f\.yaml:2:1: not valid YAML"),
    ("- a\n---\n- b\n", r"^f\.yaml:2:1: expected one YAML document"),
    ("a: *nope", r"^f\.yaml:1:4: a: alias \*nope names no anchor"),
    ("a: &x [1, *x]", r"alias \*x refers to a value that contains it"),
    ("? [a]\n: 1", r"mapping key must be a plain value"),
    ("a: " + "x" * 30000, r"^f\.yaml:1:4: a: a value of 30000 characters"),
    ("k: 2024-13-45", r"^f\.yaml:1:4: k: cannot read '2024-13-45'"),
])
def test_hostile_yaml_is_one_located_line_in_milliseconds(text, expected):
    t0 = time.perf_counter()
    with pytest.raises(EditListError) as info:
        yamlfile.loads(text, "f.yaml")
    assert time.perf_counter() - t0 < 1.0      # generous: the bomb takes ~5 ms on a loaded machine
    assert re.search(expected, _one_line(info.value)), str(info.value)


def test_bytes_that_are_not_utf8_are_located(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(EditListError, match=r"x\.yaml:2:7: not UTF-8 text \(byte 0xe9\)"):
        yamlfile.load_file(path, what="edit list")


def test_files_over_the_size_cap_are_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 1000)
    with pytest.raises(EditListError, match="larger than"):
        yamlfile.load_file(path)


def test_a_folder_or_missing_file_is_one_line(tmp_path):
    with pytest.raises(EditListError, match="edit list not found"):
        yamlfile.load_file(tmp_path / "nope.yaml", what="edit list")
    with pytest.raises(EditListError, match="got a folder"):
        yamlfile.load_file(tmp_path, what="edit list")


def test_the_bomb_is_refused_by_every_loader(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    for load in (load_edit_list, load_spec, load_profile):
        t0 = time.perf_counter()
        with pytest.raises(EditListError, match="alias bomb"):
            load(str(path))
        assert time.perf_counter() - t0 < 1.0


# ---------------------------------------------------------------- seeded fuzz

_SIGNIFICANT = list(":-[]{}&*!|>'\"%@`#,? \t\n") + ["\x00", "\xff", "\u2028", "<<: ", "*a", "&a ", "!!str ",
                                                     "!!binary ", "1e999", "9" * 30, "---\n", "...\n"]


def _mutate(text: str, rng: random.Random) -> str | bytes:
    """One random edit of a valid file: the kinds of damage hand edits and broken generators do."""
    op = rng.randrange(10)
    n = len(text)
    i, j = sorted((rng.randrange(n + 1), rng.randrange(n + 1)))
    lines = text.splitlines(keepends=True)
    if op == 0:                                      # delete a span
        return text[:i] + text[min(j, i + 40):]
    if op == 1:                                      # insert a YAML-significant token
        return text[:i] + rng.choice(_SIGNIFICANT) + text[i:]
    if op == 2:                                      # random bytes anywhere
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12)))
        raw = text.encode()
        return raw[:i] + junk + raw[i:]
    if op == 3 and len(lines) > 1:                   # duplicate or swap lines
        a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
        if rng.random() < 0.5:
            lines.insert(b, lines[a])
        else:
            lines[a], lines[b] = lines[b], lines[a]
        return "".join(lines)
    if op == 4 and lines:                            # re-indent a line
        k = rng.randrange(len(lines))
        lines[k] = " " * rng.randrange(0, 9) + lines[k].lstrip(" ")
        return "".join(lines)
    if op == 5:                                      # a number becomes huge, negative or odd
        repl = rng.choice(["9" * 400, "-1", "0", "1.0e+999", "-.inf", ".nan", "0x7fffffffffffffffff", "1_000",
                           "2024-02-30", "~", "true", "''", "[]", "{}"])
        return re.sub(r"\b\d+(\.\d+)?\b", lambda m: repl if rng.random() < 0.3 else m.group(0), text, count=3)
    if op == 6:                                      # deep nesting spliced into a value
        depth = rng.choice([10, 70, 500, 2000])
        return text[:i] + "[" * depth + "]" * depth + text[i:]
    if op == 7:                                      # a small alias bomb appended
        width = rng.choice([3, 9, 30])
        bomb = "\n".join(f"z{k}: &z{k} [" + ",".join([f"*z{k - 1}" if k else "1"] * width) + "]" for k in range(8))
        return text + "\n" + bomb + "\n"
    if op == 8:                                      # truncated mid-way
        return text[:i]
    return text[:i] + "x" * rng.choice([10, 25_000]) + text[j:]   # long runs of text


def _load_outcome(loader, path: Path) -> BrollError | None:
    """None when the file loads; the BrollError otherwise. Anything else fails the test."""
    try:
        loader(str(path))
    except BrollError as exc:
        return exc
    return None


LOADERS = {
    "edit list": (load_edit_list, _edit_list),
    "batch spec": (load_spec, lambda: BATCH),
    "QC profile": (load_profile, lambda: PROFILE),
}


@pytest.mark.parametrize("what", list(LOADERS))
def test_fuzz_loader_never_raises_anything_but_one_located_line(what, tmp_path):
    loader, valid = LOADERS[what]
    text = valid()
    assert _load_outcome(loader, _write(tmp_path / "valid.yaml", text)) is None
    rng = random.Random(f"broll-fuzz-{what}")
    t0 = time.perf_counter()
    for case in range(250):
        mutated = _mutate(text, rng)
        if rng.random() < 0.3:                       # a few edits on top of each other
            mutated = _mutate(mutated.decode("utf-8", "replace") if isinstance(mutated, bytes) else mutated, rng)
        path = _write(tmp_path / f"case{case}.yaml", mutated)
        try:
            exc = _load_outcome(loader, path)
        except Exception as bad:                     # pragma: no cover - the failure message is the point
            pytest.fail(f"{what} case {case}: {type(bad).__name__}: {bad}\n{mutated!r:.400}")
        if exc is not None:
            msg = _one_line(exc)
            assert str(path) in msg, msg
            if not isinstance(exc, EditListErrors) and "YAML" in msg:
                assert re.match(re.escape(str(path)) + r":\d+:\d+: ", msg), msg
    assert time.perf_counter() - t0 < 60


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
    return path


# ---------------------------------------------------------------- the same through the CLI

def _run(args: list[str], capsys) -> tuple[int, str]:
    from broll.cli import run
    try:
        run(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


def _cli_args(what: str, path: Path, tmp_path: Path) -> list[str]:
    if what == "edit list":
        return ["validate", str(path)]
    if what == "batch spec":
        return ["generate", str(path), "--dry-run"]
    return ["check", str(tmp_path / "no-such-clip.mp4"), "--profile", str(path)]


@pytest.mark.parametrize("what", list(LOADERS))
def test_fuzz_through_the_cli_exits_2_with_located_lines(what, tmp_path, capsys, monkeypatch):
    """A sample of the mutations, garbage, nesting and huge numbers through `broll validate`,
    `broll generate --dry-run` and `broll check --profile`: exit 2, one `Error:` line per
    problem (exactly one when the YAML itself is refused), never a traceback."""
    monkeypatch.chdir(tmp_path)
    loader, valid = LOADERS[what]
    text = valid()
    rng = random.Random(f"broll-cli-fuzz-{what}")
    cases: list[str | bytes] = [BOMB, bytes(rng.randrange(256) for _ in range(300)), "[" * 3000 + "]" * 3000,
                                text.replace("2", "9" * 500, 1), text + "\nzz: 1.0e+999\n"]
    cases += [_mutate(text, rng) for _ in range(12)]
    for case, content in enumerate(cases):
        path = _write(tmp_path / f"cli{case}.yaml", content)
        expected = _load_outcome(loader, path)
        code, err = _run(_cli_args(what, path, tmp_path), capsys)
        assert "Traceback" not in err, err
        errors = [line for line in err.splitlines() if line.startswith("Error: ")]
        other = [line for line in err.splitlines() if not line.startswith(("Error: ", "  hint: "))]
        if expected is None:
            # the file itself is fine: validate then fails on the missing media, check on the
            # missing clip; only generate --dry-run may succeed
            assert code in ((0,) if what == "batch spec" else (2,)), (case, code, err)
            continue
        assert code == 2, (case, code, err)
        assert not other, err
        n = len(expected.errors) if isinstance(expected, EditListErrors) else 1
        assert len(errors) == n, (case, err)
        assert all(str(path) in line for line in errors), err
