"""One self-contained HTML page for the provider report: the table and a bar chart per column.

No scripts, fonts or images from anywhere: inline CSS and inline SVG, so the page opens the
same offline, attached to an email or years later. The headline names the model that gave
the most accepted seconds per dollar; each chart says whether more or less is better.
"""

from __future__ import annotations

from html import escape

from broll.generate.report import Report, ReportRow

# (title, getter, format, better)
COLUMNS = [
    ("accepted seconds per $", lambda r: r.accepted_seconds_per_dollar, "{:.1f} s", "more"),
    ("clips", lambda r: r.clips, "{:d}", None),
    ("cost", lambda r: float(r.cost), "${:.2f}", "less"),
    ("cost per clip", lambda r: r.cost_per_clip, "${:.3f}", "less"),
    ("cost per accepted clip", lambda r: r.cost_per_accepted_clip, "${:.3f}", "less"),
    ("cost per accepted second", lambda r: r.cost_per_accepted_second, "${:.4f}", "less"),
    ("QC pass rate", lambda r: r.qc_pass_rate, "{:.0%}", "more"),
    ("review approval rate", lambda r: r.review_approval_rate, "{:.0%}", "more"),
    ("regenerations per accepted clip", lambda r: r.regenerations_per_accepted, "{:.2f}", "less"),
    ("latency median (submit to downloaded)", lambda r: r.latency_median, "{:.1f} s", "less"),
    ("latency p90", lambda r: r.latency_p90, "{:.1f} s", "less"),
    ("palette spread before grading (dE00)", lambda r: r.palette_spread, "{:.2f}", "less"),
]

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1rem;margin:1.6rem 0 .4rem}
.lead{font-size:1.15rem;background:#eef6ee;border-left:4px solid #2e7d32;padding:.6rem .9rem;margin:1rem 0}
table{border-collapse:collapse;margin:.6rem 0}th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f4f5f7;font-weight:600;vertical-align:bottom}
tr.total td{font-weight:600;border-top:2px solid #999}.best td{background:#f3faf3}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:1rem 2rem}
.chart h3{font-size:.9rem;margin:.2rem 0}.chart small{color:#666;font-weight:normal}
.muted{color:#666}svg text{font:12px system-ui,sans-serif}
"""


def _fmt(value, pattern: str) -> str:
    if value is None:
        return "-"
    return pattern.format(value)


def _chart(title: str, rows: list[ReportRow], get, pattern: str, better: str | None, best_label: str | None) -> str:
    values = [get(r) for r in rows]
    top = max((v for v in values if v is not None), default=0) or 1
    bar_h, gap, label_w, bar_w = 18, 6, 170, 150
    height = len(rows) * (bar_h + gap) + gap
    parts = [f'<svg width="{label_w + bar_w + 90}" height="{height}" role="img" aria-label="{escape(title)}">']
    for i, (row, value) in enumerate(zip(rows, values)):
        y = gap + i * (bar_h + gap)
        width = 0 if value is None else max(1.0, bar_w * float(value) / float(top))
        colour = "#2e7d32" if row.label == best_label else "#5b7db1"
        parts.append(f'<text x="0" y="{y + 13}">{escape(row.label[:26])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{width:.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + width + 6:.1f}" y="{y + 13}">{escape(_fmt(value, pattern))}</text>')
    parts.append("</svg>")
    hint = {"more": "more is better", "less": "less is better"}.get(better or "", "")
    return (f'<div class="chart"><h3>{escape(title)} <small>{hint}</small></h3>' + "".join(parts) + "</div>")


def render(report: Report, title: str = "Providers compared on your own runs") -> str:
    best = report.best()
    best_label = best.label if best else None
    rows = report.rows
    head = "".join(f"<th>{escape(t)}</th>" for t, *_ in COLUMNS)
    body = []
    for row in rows + [report.total]:
        cells = "".join(f"<td>{escape(_fmt(get(row), pattern))}</td>" for _, get, pattern, _ in COLUMNS)
        failures = ", ".join(f"{k} {v}" for k, v in sorted(row.failures.items())) or "-"
        cls = "total" if row is report.total else ("best" if row.label == best_label else "")
        body.append(f'<tr class="{cls}"><td>{escape(row.label)}</td>{cells}<td>{escape(failures)}</td></tr>')
    if best:
        lead = (f"Most accepted seconds per dollar: <b>{escape(best.label)}</b> "
                f"({best.accepted_seconds_per_dollar:.1f} s of accepted footage per $, "
                f"${best.cost_per_accepted_second:.4f} per accepted second)")
    else:
        lead = "No model has accepted footage that cost money yet (placeholders are free)."
    charts = "".join(_chart(t, rows, get, pattern, better, best_label) for t, get, pattern, better in COLUMNS)
    batches = ", ".join(report.batches) or "-"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head><body>
<h1>{escape(title)}</h1>
<p class="muted">source {escape(report.source)} &middot; batches {escape(batches)} &middot;
spent ${float(report.spent):.2f} in total</p>
<p class="lead">{lead}</p>
<table><thead><tr><th>provider / model</th>{head}<th>failures by kind</th></tr></thead>
<tbody>{''.join(body)}</tbody></table>
<p class="muted">Accepted: approved in review, or passed QC and not rejected. Latency: submit to verified
download, per take. Palette spread: mean pairwise CIEDE2000 of the accepted clips' mean colours before
grading (from <code>broll grade</code>).</p>
<h2>Per column</h2><div class="charts">{charts}</div>
</body></html>
"""
