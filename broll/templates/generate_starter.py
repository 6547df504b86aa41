"""``broll init --generate``: a starter whose clips are generated, not supplied.

The chosen template's text is rewritten line by line (its comments stay): every ``- clip:``
item becomes ``- shot: <id>`` and a ``generate:`` section naming those shots is put in front of
the timeline. It uses the ``offline`` provider (no key, no network, $0), so ``broll build
edit.yaml`` runs the whole chain at once: generate, check, grade to the style reference the
generation used, assemble. Change ``provider:`` to a real one when the edit is right.
"""

from __future__ import annotations

import math
import re

from broll.templates.starters import demo_files

STYLE_REFERENCE = "style/look.png"
_CLIP = re.compile(r"^(?P<lead>\s*- )clip:\s*(?P<path>\S+)(?P<pad>\s*)(?:#\s*(?P<note>.*))?$")


def shot_id(path: str) -> str:
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "shot"


def _prompt(sid: str, note: str | None) -> str:
    what = (note or "").split(":")[0].strip() or sid.replace("-", " ")
    return f"{what}, cinematic b-roll, soft morning light".replace('"', "'")


def generate_text(template_text: str) -> str:
    """The template with its clips turned into generated shots."""
    needs = {f.relpath: f.seconds for f in demo_files(template_text) if f.kind == "clip"}
    preset = re.search(r"^preset:\s*(\d+)x(\d+)", template_text, re.M)
    aspect = f"{preset[1]}:{preset[2]}" if preset else "16:9"
    shots: dict[str, tuple[str, int]] = {}
    lines = []
    for line in template_text.splitlines():
        m = _CLIP.match(line)
        if m:
            path, sid = m["path"], shot_id(m["path"])
            shots.setdefault(sid, (_prompt(sid, m["note"]), max(2, math.ceil(needs.get(path, 4.0)))))
            comment = f"# a generated shot (generate.shots below); {m['note']}" if m["note"] else "# a generated shot"
            lines.append(f"{m['lead']}shot: {sid}".ljust(len(m["lead"]) + 30) + comment)
            continue
        if line.startswith("timeline:"):
            lines.append("\0GENERATE\0")
        lines.append(line)
    block = _generate_block(shots, aspect)
    out = "\n".join(lines).replace("\0GENERATE\0", block)
    head = ("# Generated clips: `broll build edit.yaml` generates every shot (offline placeholders here),\n"
            "# checks each take, grades it to the style reference and assembles the reel. Re-running\n"
            "# generates only what is missing; set `provider:` to a real one (see `broll providers`).\n")
    return head + out + "\n"


def _generate_block(shots: dict[str, tuple[str, int]], aspect: str) -> str:
    rows = [
        "generate:                         # the clips, generated before the build (a batch spec, as `broll generate` reads)",
        "  provider: offline               # offline placeholders: no key, no network, $0 (runway, kling, veo, ... when ready)",
        f"  style_reference: {STYLE_REFERENCE}   # first frame / look for every shot; the build grades to it too",
        "  budget: 5.00                    # USD cap over every build of this edit list; the build stops before exceeding it",
        "  attempts: 3                     # QC regenerations per shot (a new seed each time)",
        f"  defaults: {{duration: 5, aspect: \"{aspect}\"}}   # clip length (s) and shape (the preset's) unless a shot says otherwise",
        "  shots:                          # one entry per shot; the timeline names them with `- shot: <id>`",
    ]
    for sid, (prompt, seconds) in shots.items():
        rows.append(f"    - {{id: {sid}, prompt: \"{prompt}\", duration: {seconds}}}   # variants: 2 for takes to choose from")
    return "\n".join(rows)
