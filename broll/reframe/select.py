"""Choose the subject over a whole shot, not frame by frame: dynamic programming over candidates.

The analysis runs offline, so it can look ahead. At every sample the tracker offers its own
box (followed with an appearance model and a gate) and a few other strong regions of the
evidence. A Viterbi pass picks one candidate per sample that maximises the shot's total

    sum_t  score(candidate_t)  -  sum_t  jump(candidate_t-1, candidate_t)

where ``score`` is the candidate's evidence with the share that moves against the camera
counted again (the subject is what moves against the camera; a still, distinct object is
second choice), and ``jump`` charges a move faster than a subject travels, so a switch
between two things happens only when the new one outscores the old over a stretch of time,
and early: the chosen path knows where the subject is going to be. Pure numpy; no OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from broll.reframe.subject import SubjectEstimate

MOTION_BONUS = 0.6        # a candidate's independent motion counts this much again on top of its evidence
TRACKER_BONUS = 0.15      # ties go to the tracker's own box (its size and body are smoothed over time)
PERSON_BONUS = 0.6        # the tracker's box on a track a face (a person detection) confirms, at any sample
FREE_SPEED = 0.8          # frame sizes per second a subject may travel without a jump charge
JUMP_COST = 1.2           # the charge for a leap to somewhere else (score units: ~0.2 better for 0.6 s)


@dataclass(frozen=True)
class Candidate:
    estimate: SubjectEstimate       # where it is (normalised), with its confidence and body
    strength: float                 # mean fused evidence inside its core (0..~2)
    motion: float                   # mean independent motion inside its core (0..1)
    tracked: bool = False           # the tracker's own box
    person: bool = False            # ... on a track that a person detection confirms

    @property
    def score(self) -> float:
        return self.strength + MOTION_BONUS * self.motion + (TRACKER_BONUS if self.tracked else 0.0) + \
            (PERSON_BONUS if self.person else 0.0)


def jump_cost(a: SubjectEstimate, b: SubjectEstimate, dt: float) -> float:
    """The charge for going from ``a`` to ``b`` in ``dt`` seconds: nothing within the distance
    a subject travels, the full ``JUMP_COST`` from twice that on."""
    d = max(abs(a.cx - b.cx), abs(a.cy - b.cy))
    free = FREE_SPEED * max(dt, 1e-3)
    return JUMP_COST * float(np.clip((d - free) / free, 0.0, 1.0))


def choose(times: list[float], candidates: list[list[Candidate]]) -> list[int]:
    """Index of the chosen candidate at each sample of one shot (Viterbi; -1 where there is none)."""
    n = len(candidates)
    if n == 0:
        return []
    best: list[np.ndarray] = []
    back: list[np.ndarray] = []
    prev_t, prev_c, prev_total = None, None, None
    for i, cands in enumerate(candidates):
        scores = np.array([c.score for c in cands], float)
        if not cands:
            best.append(np.zeros(0))
            back.append(np.zeros(0, int))
            prev_c = None                 # a gap: the chain starts afresh after it
            continue
        if prev_c:
            dt = times[i] - prev_t
            trans = np.array([[jump_cost(p.estimate, c.estimate, dt) for p in prev_c] for c in cands])
            total = prev_total[None, :] - trans
            arg = np.argmax(total, axis=1)
            best.append(scores + total[np.arange(len(cands)), arg])
            back.append(arg)
        else:
            best.append(scores)
            back.append(np.full(len(cands), -1, int))
        prev_t, prev_c, prev_total = times[i], cands, best[-1]
    # walk back from the best end; a sample without candidates breaks the chain
    out = [-1] * n
    nxt = -1
    for i in range(n - 1, -1, -1):
        if not candidates[i]:
            nxt = -1
            continue
        k = int(np.argmax(best[i])) if nxt < 0 else nxt
        out[i] = k
        nxt = int(back[i][k])
    return out
