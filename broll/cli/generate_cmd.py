"""`broll generate BATCH.yaml` (run or resume a batch) and `broll generate status BATCH.yaml`."""

from __future__ import annotations

import os
import sys
from decimal import Decimal

import click
from rich.markup import escape

from broll.cli.output import console, emit_json
from broll.errors import ExitCode


class DefaultRunGroup(click.Group):
    """`broll generate FILE` means `broll generate run FILE`; `status` is the only other verb."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group("generate", cls=DefaultRunGroup, context_settings={"help_option_names": ["-h", "--help"]})
def generate_command() -> None:
    """Generate clips from a batch spec over a provider API (or offline placeholders).

    \b
      broll generate batch.yaml --dry-run    every request and the estimated cost; spends nothing
      broll generate batch.yaml              run; re-running resumes (nothing is paid twice)
      broll generate status batch.yaml       what the manifest says about each clip
      broll generate report [batch.yaml|DIR] [--html report.html]   providers compared on your runs
    """


@generate_command.command("run")
@click.argument("batch", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print every request and the estimated cost; send nothing.")
@click.option("--concurrency", type=click.IntRange(1, 32), default=None, help="Tasks in flight at once.")
@click.option("--poll-interval", type=float, default=None, envvar="BROLL_POLL_INTERVAL",
              help="Seconds between status polls (default from the spec, 6 s).")
@click.option("--qc/--no-qc", default=True, help="Run the QC gate on every downloaded clip.")
@click.option("--resubmit-ambiguous", is_flag=True,
              help="Resend creates whose outcome is unknown (you checked the provider dashboard).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result on stdout.")
def run_command(batch: str, dry_run: bool, concurrency: int | None, poll_interval: float | None, qc: bool,
                resubmit_ambiguous: bool, as_json: bool) -> int:
    """Run or resume BATCH (a batch spec YAML)."""
    from broll.generate.spec import load_spec
    spec = load_spec(batch)
    if dry_run:
        return _dry_run(spec, as_json)

    from broll.generate.run import run_batch
    err = console(stderr=True)
    reporter = _Reporter(err, enabled=not as_json)
    result = run_batch(spec, concurrency=concurrency, poll_interval=poll_interval,
                       qc=qc, resubmit_ambiguous=resubmit_ambiguous, on_event=reporter)
    summaries = result.clips
    total = sum((Decimal(str(c["cost"])) for c in summaries), Decimal("0"))
    targets = [f"{p}/{m}" for p, m in spec.targets]
    if as_json:
        emit_json({"batch": str(spec.path), "provider": spec.provider, "model": spec.model if spec.is_ab else
                   spec.model_name, "targets": targets, "spent": float(result.spent),
                   "cost_this_batch": float(total), "budget": spec.budget, "stopped": result.stopped,
                   "warnings": spec.warnings, "clips": summaries})
    else:
        _table(summaries, f"{', '.join(targets)}: ${total:.2f} charged for these clips"
               + (f" (budget ${spec.budget:.2f})" if spec.budget is not None else ""), ab=spec.is_ab)
        from collections import Counter
        counts = Counter(c["state"] for c in summaries)
        err.print(", ".join(f"{n} {state}" for state, n in counts.most_common())
                  + f"; ${result.spent:.2f} spent on this batch"
                  + (f" of ${spec.budget:.2f}" if spec.budget is not None else ""), markup=False)
        if result.stopped:
            err.print(f"[red]stopped:[/red] {escape(str(result.stopped))}")
        if counts.get("ambiguous") or counts.get("in_flight") or counts.get("skipped"):
            err.print("re-run the same command to resume; see the note column", markup=False)
    return _exit_code(summaries)


def _exit_code(summaries: list[dict]) -> int:
    states = {s["state"] for s in summaries}
    if states & {"failed", "ambiguous", "in_flight", "downloading", "submitting"}:
        return ExitCode.PROVIDER
    if "skipped" in states:
        return ExitCode.BUDGET
    return ExitCode.OK


@generate_command.command("status")
@click.argument("batch", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_command(batch: str, as_json: bool) -> None:
    """Show the manifest for BATCH: state, file, task id, seed, QC verdict, cost per clip.

    BATCH is a batch spec or an edit list with a generate: section (the shots its timeline uses).
    """
    from broll.generate import manifest as M
    from broll.generate.batch import batch_id, row_summary
    from broll.pipeline.section import spec_for_file
    spec = spec_for_file(batch, check_models=False)     # a batch spec, or an edit list's generate: section
    manifest = M.Manifest(spec.project)
    rows = manifest.rows(batch_id(spec))
    known = {(r.provider, r.model, r.shot_id, r.variant) for r in rows}
    ab = spec.is_ab
    summaries = [row_summary(r) for r in rows]
    for summary, row in zip(summaries, rows):
        summary["tasks"] = [{k: t[k] for k in ("attempt", "seed", "task_id", "state", "cost", "reason")}
                            for t in manifest.tasks(row.clip_key)]
    order = {(p, m, shot.id, v): i for i, (p, m, shot, v) in enumerate(
        (p, m, shot, v) for p, m in spec.targets for shot in spec.shots for v in range(1, shot.variants + 1))}
    for key in order:
        if key not in known:
            p, m, shot_id, v = key
            summaries.append({"shot": shot_id, "variant": v, "provider": p, "model": m, "state": "not started",
                              "file": None, "task_id": None, "seed": None, "attempt": 0, "qc": None, "cost": 0.0,
                              "cost_est": 0.0, "fail_kind": None, "fail_code": None, "message": None,
                              "placeholder": p == "offline", "sha256": None})
    summaries.sort(key=lambda c: order.get((c["provider"], c["model"], c["shot"], c["variant"]), len(order)))
    if as_json:
        emit_json({"batch": str(spec.path), "clips": summaries,
                   "spent": float(manifest.committed_cost(batch_id(spec)))})
        return
    _table(summaries, f"{spec.path.name}: ${manifest.committed_cost(batch_id(spec)):.2f} charged so far", ab=ab)


@generate_command.command("report")
@click.argument("target", required=False, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False), default=None,
              help="Also write one self-contained HTML page: the table and a bar chart per column.")
def report_command(target: str | None, as_json: bool, html_file: str | None) -> None:
    """Compare providers and models on your own runs: cost per accepted second, QC and review rates, latency.

    TARGET is a batch spec or an edit list with a generate: section (that batch only) or a folder
    (every batch in its manifest); the current folder by default.
    """
    from broll.generate.report import gather
    report = gather(target)
    if html_file:
        from broll.atomic import write_text
        from broll.generate.report_html import render
        write_text(html_file, render(report))
    if as_json:
        data = report.to_dict()
        if html_file:
            data["html"] = str(html_file)
        emit_json(data)
        return
    _report_table(report)
    if html_file:
        console(stderr=True).print(f"wrote {html_file}", markup=False)


def _report_table(report) -> None:
    from rich import box
    from rich.table import Table

    def fmt(value, pattern: str) -> str:
        return "-" if value is None else pattern.format(value)

    table = Table(title=f"{report.source}: ${float(report.spent):.2f} spent", title_justify="left",
                  box=box.SIMPLE_HEAD)
    cols = [("provider/model", None, None), ("clips", lambda r: r.clips, "{:d}"),
            ("cost", lambda r: float(r.cost), "${:.2f}"), ("$/clip", lambda r: r.cost_per_clip, "${:.3f}"),
            ("$/accepted", lambda r: r.cost_per_accepted_clip, "${:.3f}"),
            ("$/accepted s", lambda r: r.cost_per_accepted_second, "${:.4f}"),
            ("accepted s/$", lambda r: r.accepted_seconds_per_dollar, "{:.1f}"),
            ("QC pass", lambda r: r.qc_pass_rate, "{:.0%}"), ("approved", lambda r: r.review_approval_rate, "{:.0%}"),
            ("regen/accepted", lambda r: r.regenerations_per_accepted, "{:.2f}"),
            ("latency p50", lambda r: r.latency_median, "{:.1f}s"), ("p90", lambda r: r.latency_p90, "{:.1f}s"),
            ("spread dE", lambda r: r.palette_spread, "{:.2f}"), ("failures", None, None)]
    for name, _, _ in cols:
        table.add_column(name, justify="left" if name in ("provider/model", "failures") else "right")
    for row in report.rows + [report.total]:
        cells = [row.label] + [fmt(get(row), pattern) for _, get, pattern in cols[1:-1]]
        cells.append(", ".join(f"{k} {v}" for k, v in sorted(row.failures.items())) or "-")
        table.add_row(*cells, end_section=row is report.rows[-1] if report.rows else False)
    out = console()
    if not sys.stdout.isatty():
        out.width = 240
    out.print(table)
    best = report.best()
    if best:
        out.print(f"most accepted seconds per dollar: {best.label} ({best.accepted_seconds_per_dollar:.1f} s/$)",
                  markup=False)


def _dry_run(spec, as_json: bool) -> int:
    from broll.generate.batch import plan_jobs
    from broll.generate.providers import build
    from broll.project import DB_DIR
    jobs, requests, missing = [], [], []
    for provider_name, model in spec.targets:
        arm = spec.for_target(provider_name, model)
        provider = build(provider_name, None, workdir=spec.project / DB_DIR / "offline", require_keys=False,
                         burn_caption=spec.caption)
        missing += [v for v in getattr(provider, "key_vars", ()) if not os.environ.get(v) and v not in missing
                    and not os.environ.get(provider.key_aliases.get(v, "") or "-")]
        arm_jobs = plan_jobs(arm, provider)
        jobs += arm_jobs
        for job in arm_jobs:
            plan = provider.plan_submit(job.spec, f"{job.key[:16]}-1")
            requests.append({"target": f"{provider_name}/{model}", "shot": job.shot.id, "variant": job.variant,
                             "clip_key": job.key, "file": str(job.dest), "seed": job.spec.seed,
                             "estimate": float(job.cost_est), "request": plan.redacted()})
    total = sum((j.cost_est for j in jobs), Decimal("0"))
    over = spec.budget is not None and total > Decimal(str(spec.budget))
    if as_json:
        emit_json({"dry_run": True, "provider": spec.provider, "model": None if spec.is_ab else spec.model_name,
                   "targets": [f"{p}/{m}" for p, m in spec.targets], "clips": len(jobs),
                   "estimated_cost": float(total), "budget": spec.budget, "over_budget": over,
                   "missing_keys": missing, "warnings": spec.warnings, "requests": requests})
        return ExitCode.OK
    import json
    out = console()
    for note in spec.warnings:
        console(stderr=True).print(f"warning: {note}", markup=False, highlight=False)
    for r in requests:
        out.print(f"[bold]{escape(r['target'])} {r['shot']}[/bold] v{r['variant']}  -> {escape(str(r['file']))}  "
                  f"seed={r['seed']}  est ${r['estimate']:.2f}")
        out.print(json.dumps(r["request"], indent=2), markup=False)
    out.print(f"\n{len(jobs)} clips, estimated ${total:.2f}"
              + (f" of a ${spec.budget:.2f} budget" if spec.budget is not None else "")
              + (" [red](over budget: the run would stop early)[/red]" if over else "")
              + "; nothing was sent.")
    if missing:
        out.print(f"[yellow]note:[/yellow] set {', '.join(missing)} before a live run.")
    return ExitCode.OK


def _table(summaries: list[dict], title: str, ab: bool = False) -> None:
    from rich.table import Table
    table = Table(title=title, title_justify="left")
    for col in ("shot", "state", "file", "task id", "seed", "QC", "cost", "note"):
        table.add_column(col, overflow="fold")
    multi = {s["shot"] for s in summaries if s["variant"] > 1}
    for s in summaries:
        shot = f"{s['shot']} v{s['variant']}" if s["shot"] in multi else s["shot"]
        if ab and s.get("provider"):
            shot = f"{s['provider']}/{s['model']} {shot}"
        note = s["message"] or ""
        if s["placeholder"]:
            note = ("placeholder; " + note).rstrip("; ")
        table.add_row(shot, s["state"], _short_path(s["file"]), s["task_id"] or "", str(s["seed"] or ""),
                      s["qc"] or "", f"${s['cost']:.2f}", note[:120])
    out = console()
    if not sys.stdout.isatty():
        out.width = 220    # piped or captured: do not wrap the table at 80 columns
    out.print(table)


def _short_path(path: str | None) -> str:
    if not path:
        return ""
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


class _Reporter:
    """Per-shot progress lines on stderr: state changes, queue position, attempts, cost so far."""

    def __init__(self, out, enabled: bool):
        self.out, self.enabled = out, enabled
        self.last: dict[str, str] = {}
        self.budget = None

    def __call__(self, job, what: str, **info) -> None:
        if not self.enabled:
            return
        if job is None:      # batch-level notes (pre-flight, a seed a model ignores)
            label = "warning" if what == "spec" else "note"
            self.out.print(f"{label}: {info.get('message', what)}", markup=False, highlight=False)
            return
        if what == "poll":
            detail = info.get("state", "")
            if info.get("queue_pos") is not None:
                detail += f" (queue position {info['queue_pos']})"
            if info.get("progress") is not None:
                detail += f" {float(info['progress']) * (100 if float(info['progress']) <= 1 else 1):.0f}%"
        elif what == "done" or what == "failed":
            row = info["row"]
            detail = f"{row.state} qc={row.qc_verdict or '-'} attempt={row.attempt} cost=${Decimal(row.cost or '0'):.2f}"
            if self.budget is not None:
                detail += f" (batch so far ${self.budget.spent:.2f})"
            if what == "failed":
                detail = f"failed [{row.fail_kind}] {row.message or ''}"
        elif what == "skipped":
            detail = "already done (verified), skipped"
        else:
            extras = " ".join(f"{k}={v}" for k, v in info.items() if k != "row" and v is not None)
            detail = f"{what} {extras}".strip()
        if self.last.get(job.key) == detail:
            return
        self.last[job.key] = detail
        self.out.print(f"  {job.label:<24} {detail}", markup=False, highlight=False)
