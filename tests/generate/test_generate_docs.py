"""docs/generate.md carries the providers table exactly as `broll providers --markdown` prints it."""

from __future__ import annotations

import json
from pathlib import Path

from gen_helpers import run_cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "generate.md"


def test_docs_providers_table_is_the_command_output(capsys):
    code, out, _ = run_cli(["providers", "--markdown"], capsys)
    text = DOC.read_text()
    start = text.index("-->\n", text.index("<!-- providers-table")) + 4
    end = text.index("<!-- /providers-table -->")
    assert code == 0 and text[start:end] == out, "regenerate the table: broll providers --markdown"


def test_providers_json_lists_capabilities_prices_and_dates(capsys):
    code, out, _ = run_cli(["providers", "--json"], capsys)
    data = json.loads(out)
    by_name = {p["provider"]: p for p in data["providers"]}
    assert {"runway", "kling", "luma", "veo", "omni", "minimax", "seedance", "wan", "offline"} <= set(by_name)
    kling_v3 = next(m for m in by_name["kling"]["models"] if m["model"] == "kling-v3")
    assert kling_v3["seed"] is False and kling_v3["reference_images"] == 4 and kling_v3["durations"][0] == 3
    assert kling_v3["price"]["per_second"] == 0.084 and kling_v3["price"]["checked"] == "2026-12-06"
    assert by_name["omni"]["facts"]["verified"] == "partly" and by_name["omni"]["facts"]["checked"] == "2026-12-06"
    assert {"model": "veo-3.1-generate-preview", "replacement": "veo-3.1-generate-001"}.items() <= \
        next(r for r in by_name["veo"]["retired"] if r["model"] == "veo-3.1-generate-preview").items()
    assert data["retired_providers"][0]["provider"] == "sora"
    code, out, _ = run_cli(["providers"], capsys)
    assert code == 0 and "gemini-omni-1.1-flash" in out
