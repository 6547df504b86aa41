"""Every provider and model broll knows, with capabilities, list prices and when each was checked.

The adapters state capabilities (``MODELS``); ``prices.yaml`` holds prices with the date each
entry was compared with its source and how far that source can be trusted. This module joins
the two for ``broll providers`` and the table in docs/generate.md.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from broll.generate.budget import default_prices
from broll.generate.providers import PROVIDERS, RETIRED_PROVIDERS


@lru_cache(maxsize=1)
def checked() -> dict:
    """``providers/checked.yaml``: when each contract was compared with which documentation."""
    text = resources.files("broll.generate.providers").joinpath("checked.yaml").read_text("utf-8")
    return {name: {k: (str(v) if k == "checked" else v) for k, v in entry.items()}
            for name, entry in (yaml.safe_load(text) or {}).items()}


def _price(entry: dict | None) -> dict:
    if not entry:
        return {"per_second": None, "per_clip": None, "checked": None, "verified": "unverified", "source": None}
    return {"per_second": entry.get("per_second"), "per_clip": entry.get("per_clip"),
            "checked": str(entry["checked"]) if entry.get("checked") else None,
            "verified": entry.get("verified", "unverified"), "source": entry.get("source")}


def catalog() -> dict:
    prices = default_prices()
    providers = []
    for name, cls in PROVIDERS.items():
        table = prices.get(name, {})
        models = []
        for model, caps in cls.MODELS.items():
            models.append({"model": model, "default": model == cls.default_model, **caps.describe(),
                           "price": _price(table.get(model) or table.get("*"))})
        retired = [{"model": m, "replacement": r, "why": why} for m, (r, why) in cls.RETIRED.items()]
        providers.append({"provider": name, "facts": checked().get(name, {"checked": None, "verified": "unverified"}),
                          "key_vars": list(cls.key_vars), "base_url": cls.default_base or None,
                          "base_url_env": f"BROLL_{name.upper()}_BASE_URL", "any_model": cls.open_models,
                          "models": models, "retired": retired})
    gone = [{"provider": n, "instead": i, "why": w} for n, (i, w) in RETIRED_PROVIDERS.items()]
    return {"providers": providers, "retired_providers": gone}


def _seconds(values: list[int]) -> str:
    if len(values) > 3 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]}"
    return "/".join(str(v) for v in values)


def _money(price: dict) -> str:
    if price["per_second"] is not None:
        return f"${price['per_second']:g}/s"
    if price["per_clip"] is not None:
        return f"${price['per_clip']:g}/clip"
    return "-"


def rows() -> list[dict]:
    """One flat row per model: what the terminal table and the Markdown table show."""
    out = []
    for p in catalog()["providers"]:
        for m in p["models"]:
            seed = "yes" if m["seed"] else "no (ignored, reported)"
            refs = []
            if m["needs_image"]:
                refs.append("first frame required")
            elif m["first_frame"]:
                refs.append("first frame")
            if m["reference_images"]:
                refs.append(f"{m['reference_images']} refs" + (" (not with first frame)"
                                                              if m["references_exclusive_with_first_frame"] else ""))
            price = m["price"]
            out.append({"provider": p["provider"], "model": m["model"] + (" *" if m["default"] else ""),
                        "status": m["status"], "seed": seed, "references": ", ".join(refs) or "-",
                        "seconds": _seconds(m["durations"]), "aspects": " ".join(m["aspects"]),
                        "resolutions": " ".join(m["resolutions"]),
                        "facts checked": f"{p['facts'].get('checked') or '-'} ({p['facts'].get('verified')})",
                        "price": _money(price) + f" ({price['verified']})"})
    return out


def markdown() -> str:
    """The providers table for docs/generate.md (`broll providers --markdown`)."""
    cols = COLUMNS
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows():
        lines.append("| " + " | ".join(str(r[c]).replace("|", "/") for c in cols) + " |")
    data = catalog()
    retired = [f"`{p['provider']}/{r['model']}` -> `{r['replacement']}` ({r['why']})"
               for p in data["providers"] for r in p["retired"]]
    retired += [f"`{g['provider']}` ({g['why']}; use {g['instead']})" for g in data["retired_providers"]]
    lines += ["", "`*` default model. Retired, refused before anything is sent: " + "; ".join(retired) + ".",
              "", "What each check rests on, and what it could not confirm:", ""]
    for p in data["providers"]:
        facts = p["facts"]
        note = f"- **{p['provider']}** ({facts.get('checked')}, {facts.get('verified')}): {facts.get('sources')}."
        if facts.get("unverified"):
            note += f" Unverified: {facts['unverified']}."
        lines.append(note)
    return "\n".join(lines) + "\n"


COLUMNS = ["provider", "model", "status", "seed", "references", "seconds", "aspects", "resolutions",
           "facts checked", "price"]
