"""Human review pass: a local page that records approve / reject decisions per clip.

The pieces, each with one job:

    sources.py     which clips a project has (folder, batch.yaml or edit.yaml)
    decisions.py   the decisions table in the project database; a clip's review state
    gate.py        the build gate: which clips are unreviewed, rejected or changed
    context.py     what other stages know about a clip (QC, grade, generation), read defensively
    thumbs.py      filmstrip and grade preview images, cached under .broll/review/
    ranges.py      HTTP Range header parsing (pure)
    server.py      the loopback HTTP server and its security checks
    static/        the page: plain HTML, CSS and JavaScript, no build step
"""

from broll.review.decisions import ReviewState, record_decision, review_states
from broll.review.gate import require_approved, review_required, unapproved

__all__ = ["ReviewState", "record_decision", "require_approved", "review_states", "review_required", "unapproved"]
