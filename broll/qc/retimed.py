"""QC of built reels: frames the build made on purpose (retiming) are not defects.

A reel's ``.frames.json`` sidecar (broll.assemble.framemap) lists repeated and interpolated
frames. A repeated frame looks like a freeze and an interpolated one can look like a jump or
a glitch, so findings of those kinds that lie wholly on made-up frames are dropped.
"""

from __future__ import annotations

import os

from broll.qc.report import Finding

EXCUSED_KINDS = ("freeze", "jump", "glitch")


def excuse_retimed(path: str | os.PathLike, findings: list[Finding]) -> list[Finding]:
    if not any(f.kind in EXCUSED_KINDS for f in findings):
        return findings          # nothing to excuse: no sidecar read, no assemble import (~30 ms CPU)
    from broll.assemble.framemap import read_frame_map

    fmap = read_frame_map(path)
    if fmap is None or not fmap.runs:
        return findings
    return [f for f in findings if not (f.kind in EXCUSED_KINDS and _made(fmap, f))]


def _made(fmap, finding: Finding) -> bool:
    # a freeze starts on the source picture that is then repeated: its later frames are the made ones
    start = finding.start_frame + 1 if finding.kind == "freeze" and finding.end_frame > finding.start_frame \
        else finding.start_frame
    return fmap.made(start, finding.end_frame)
