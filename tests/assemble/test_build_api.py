"""broll.build() is the one build sequence: the CLI, the plan and Python users share it."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import broll
from broll.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_library_code_never_imports_the_cli():
    offenders = []
    for path in (ROOT / "broll").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("broll/cli/") or rel == "broll/__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{rel}: {n}" for n in names if n == "broll.cli" or n.startswith("broll.cli.")]
    assert offenders == []


def test_resolve_and_stages_do_not_import_each_other():
    def imports(name: str) -> set[str]:
        tree = ast.parse((ROOT / "broll/assemble" / name).read_text(encoding="utf-8"))
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert "broll.assemble.stages" not in imports("resolve.py")
    assert "broll.assemble.build" not in imports("stages.py") | imports("resolve.py")


def test_import_broll_stays_cheap():
    code = ("import json, sys, broll; print(json.dumps(sorted(m for m in sys.modules "
            "if m.startswith(('broll.', 'av', 'numpy', 'pydantic', 'yaml')))))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert loaded == [], loaded
    assert callable(broll.build) and broll.BuildResult.__name__ == "BuildResult"


EDIT = """\
version: 1
output: [{{path: out/wide.mp4}}, {{path: out/tall.mp4, preset: tiny-vertical}}]
preset: tiny
loudness: -16
defaults: {{transition: {{type: fade, duration: 0.3}}}}
music: {{path: {bed}, volume: -10}}
timeline:
  - clip: {a}
    in: 0.21
    out: 1.4
  - clip: {b}
    fit: blur
  - title: "end: [x], 100%"
    duration: 1
"""


@pytest.fixture
def project(media, write_edit):
    a = media.clip("a.mp4", duration=1.5, audio=440)
    b = media.clip("b.mp4", size=(180, 320), fps=24, duration=1, audio=330)
    bed = media.tone("bed.m4a", duration=6)
    return write_edit(EDIT.format(a=a, b=b, bed=bed))


def _strip_paths(argv: list[str]) -> list[str]:
    """Temp file names differ between the plan and the run: blank every output/temp path."""
    return [re.sub(r".*\.(mp4|m4a)$", "<file>", a) for a in argv]


@pytest.mark.slow
def test_plan_prints_exactly_what_build_runs(project, monkeypatch):
    import broll.assemble.render as render_mod

    planned = CliRunner().invoke(main, ["plan", str(project), "--json"])
    assert planned.exit_code == 0, planned.output
    report = json.loads(planned.output)["outputs"]
    ran: list[list[str]] = []
    real = render_mod.run_ffmpeg

    def recording(args, **kwargs):
        ran.append(list(args))
        return real(args, **kwargs)

    monkeypatch.setattr(render_mod, "run_ffmpeg", recording)
    import broll.assemble.segmented as segmented_mod
    monkeypatch.setattr(segmented_mod, "run_ffmpeg", recording)
    result = broll.build(project, otio=project.parent / "reel.otio")
    for out, rep in zip(result.outputs, report):
        cmds = rep["commands"]
        assert _strip_paths(cmds["picture"][1:]) in [_strip_paths(a) for a in ran]
        assert cmds["loudness_pass"][1:] in ran
        # the sound runs with pass 1's figures where the plan shows the measuring placeholder
        sound = [a for a in ran if "-map" in a and "[aout]" in a and a[-1].endswith(".m4a")]
        def pass2(argv):   # pass 2's loudnorm (or the plain gain it reduces to) is filled in at run time
            return re.sub(r"\[mix\](loudnorm|volume)=[^,\[]*", "[mix]LOUDNORM", " ".join(_strip_paths(argv)))
        assert pass2(cmds["sound"][1:]) in [pass2(a) for a in sound]
        assert out.probe.frame_count == out.frames == rep["frames"]
        # one OTIO per output, from the timeline rendered
        assert out.otio == project.parent / f"reel.{out.path.stem}.otio" and out.otio.exists()


@pytest.mark.slow
def test_python_build_renders_what_the_cli_renders(project):
    cli = subprocess.run([sys.executable, "-m", "broll", "build", str(project), "--json"],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    from_cli = json.loads(cli.stdout)
    py = subprocess.run([sys.executable, "-c", f"import broll; print(broll.build({str(project)!r}))"],
                        capture_output=True, text=True, cwd=project.parent)
    assert py.returncode == 0, py.stderr
    assert "built 2 output(s)" in py.stdout
    result = broll.build(project)
    assert [o.to_dict()["frames"] for o in result.outputs] == [o["frames"] for o in from_cli["outputs"]]
    assert [o.probe.frame_count for o in result.outputs] == [o["probed_frames"] for o in from_cli["outputs"]]
    assert set(result.timings) >= {"validate", "review", "qc", "plan", "render:wide.mp4", "render:tall.mp4"}


def test_unknown_output_is_one_clear_error(project):
    with pytest.raises(broll.BrollError, match="no output 'nope.mp4'"):
        broll.build(project, outputs=["nope.mp4"], render=False)
    result = broll.build(project, outputs=["tall.mp4"], render=False)
    assert [o.path.name for o in result.outputs] == ["tall.mp4"] and result.outputs[0].probe is None


def test_progress_reports_every_stage_in_order(project):
    events = []
    broll.build(project, outputs=["out/wide.mp4"], progress=events.append)
    stages = list(dict.fromkeys(e.stage for e in events))
    assert stages == ["validate", "plan", "render"]
    renders = [e for e in events if e.stage == "render"]
    assert renders[-1].done == renders[-1].total > 0


@pytest.mark.slow
def test_the_readme_python_example_runs_as_written(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python"):]
    shell = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    for line in shell.splitlines():
        cmd = line.split("#")[0].split()
        if cmd:
            assert cmd[0] == "broll"
            subprocess.run([sys.executable, "-m", "broll", *cmd[1:]], cwd=tmp_path, check=True, capture_output=True)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "built 1 output(s)" in proc.stdout
