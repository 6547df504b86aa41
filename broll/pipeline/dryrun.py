"""``broll build --dry-run``: every request the build would send, its estimated cost, and the plan.

Nothing is sent and nothing is written to the manifest: it reads the edit list, the batch spec
and what the manifest already holds (takes made by earlier builds are not requested again).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from broll.assemble.editlist import ClipItem, EditList, ImageItem, ShotItem, TitleItem, load_edit_list
from broll.generate import manifest as M
from broll.pipeline.section import batch_spec, check_shot_references, used_spec


def _item_line(edit: EditList, i: int, item, have: dict[str, str]) -> str:
    if isinstance(item, ShotItem):
        take = have.get(item.shot)
        return f"timeline[{i}] shot {item.shot}: " + (f"take {take}" if take else "to generate")
    if isinstance(item, ClipItem):
        return f"timeline[{i}] clip {item.clip}"
    if isinstance(item, ImageItem):
        return f"timeline[{i}] image {item.image}"
    if isinstance(item, TitleItem):
        return f"timeline[{i}] title {item.title!r}"
    return f"timeline[{i}] {type(item).__name__}"


def dry_run(edit_list: str | os.PathLike) -> dict:
    """What ``broll build`` would do: requests (redacted), estimated cost, stages, timeline."""
    from broll.generate.batch import batch_id
    from broll.pipeline.front import planned_jobs
    edit = load_edit_list(edit_list)
    full = batch_spec(edit)
    warnings = check_shot_references(edit, full)
    requests, have, spent, budget, targets = [], {}, Decimal("0"), None, []
    if full is not None:
        spec = used_spec(edit, full)
        warnings += list(spec.warnings)
        budget = None if spec.budget is None else Decimal(str(spec.budget))
        targets = [f"{p}/{m}" for p, m in spec.targets]
        manifest = M.Manifest(spec.project)
        try:
            spent = manifest.committed_cost(batch_id(spec))
            from broll.pipeline.front import current_takes
            from broll.pipeline.takes import choose, review_states
            takes = current_takes(spec, manifest) if spec.shots else {}
            states = review_states(spec.project, [t for ts in takes.values() for t in ts])
            for shot, ts in takes.items():
                choice = choose(ts, states)
                if choice is not None:
                    have[shot] = f"v{choice.take.variant} ({choice.take.path.name}; {choice.why})"
            for target, job, provider in (planned_jobs(spec, with_provider=True) if spec.shots else []):
                row = manifest.get(job.key)
                if row is not None and row.state in M.FINISHED and row.file and Path(row.file).is_file():
                    continue
                state = row.state if row is not None else "not started"
                tries = len(manifest.tasks(job.key)) + 1
                plan = provider.plan_submit(job.spec, f"{job.key[:16]}-{tries}")
                requests.append({"target": target or targets[0], "shot": job.shot.id, "variant": job.variant,
                                 "state": state, "file": str(job.dest), "seed": job.spec.seed,
                                 "estimate": float(job.cost_est), "request": plan.redacted(),
                                 "in_flight": state in (M.IN_FLIGHT, M.DOWNLOADING, M.SUBMITTING)})
        finally:
            manifest.close()
    estimate = sum((Decimal(str(r["estimate"])) for r in requests if not r["in_flight"]), Decimal("0"))
    over = budget is not None and spent + estimate > budget
    stages = []
    if full is not None:
        new = [r for r in requests if not r["in_flight"]]
        stages.append(f"generate: {len(new)} clip(s) to request with {', '.join(targets)}, estimated ${estimate:.2f}"
                      + (f"; {len(requests) - len(new)} in flight to poll" if len(new) < len(requests) else "")
                      + (f"; {len(have)} shot(s) already have a take" if have else ""))
        stages.append(f"check: every new take through QC (profile {edit.qc.profile if edit.qc else 'default'}), "
                      f"regenerate verdicts resubmitted with a new seed (attempts: {full.attempts})")
    style = edit.style.reference if edit.style else (None if "style" in edit.model_fields_set else
                                                      (full.style_reference if full is not None else None))
    stages.append(f"grade: to {style}" if style else "grade: off (no style reference)")
    stages.append("review: every clip must be approved (review: required)" if edit.review == "required"
                  else "review: not required")
    stages.append("assemble: " + ", ".join(f"{o.path} ({o.preset or edit.preset})" for o in edit.output))
    return {"dry_run": True, "edit_list": str(edit.source), "requests": requests,
            "estimated_cost": float(estimate), "spent_so_far": float(spent),
            "budget": None if budget is None else float(budget), "over_budget": over, "warnings": warnings,
            "stages": stages, "timeline": [_item_line(edit, i, it, have) for i, it in enumerate(edit.timeline)]}
