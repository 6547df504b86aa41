"""Check a batch spec against what each model can do, before anything is sent.

Every shot is checked for every target (provider/model pair): length, aspect, resolution,
first frame, reference images. What a model cannot do is an error located in the batch
YAML (file:line, field, the reason and what to change); a retired model id names its
replacement. What a model will silently not honour but does no harm (a seed it ignores,
a negative prompt it has no field for) becomes a warning the run reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from broll.errors import BrollError, EditListError, EditListErrors
from broll.generate.provider import Caps, is_url
from broll.generate.providers import check_model

Locate = Callable[[tuple], tuple]


def default_resolution(provider: str, caps: Caps) -> str:
    """What a clip is made at when the spec does not say: 720p where offered (offline: 360p)."""
    if provider == "offline":
        return "360p"
    return "720p" if "720p" in caps.resolutions else caps.resolutions[0]


def _seconds(values) -> str:
    values = list(values)
    if len(values) > 3 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]} s"
    return " or ".join(str(v) for v in values) + " s"


def check_against_models(spec, *, locate: Locate, field_name: Callable[[tuple], str],
                         file: str | None = None) -> None:
    errors: list[EditListError] = []
    warnings: list[str] = []
    file = file or (str(spec.path) if spec.path else None)

    def error(key: tuple, message: str, hint: str | None = None) -> None:
        line, col = locate(key)
        errors.append(EditListError(message, file=file, line=line, column=col, field=field_name(key), hint=hint))

    for t, (provider, model) in enumerate(spec.targets):
        where = ("providers", t) if spec.is_ab else (("model",) if spec.model else ("provider",))
        label = f"{provider}/{model}"
        try:
            caps = check_model(provider, model)
        except BrollError as exc:
            error(where, exc.message, exc.hint)
            continue
        seen_seed = seen_negative = False
        for i, shot in enumerate(spec.shots):
            def key(name: str, default_key: tuple) -> tuple:
                return ("shots", i, name) if getattr(shot, name) is not None else default_key

            duration = shot.duration or spec.defaults.duration
            if duration not in caps.durations:
                error(key("duration", ("defaults", "duration")),
                      f"{label} makes {_seconds(caps.durations)} clips, not {duration} s",
                      "set a duration the model offers (docs/generate.md lists them)")
            aspect = shot.aspect or spec.defaults.aspect
            if aspect not in caps.aspects:
                error(key("aspect", ("defaults", "aspect")), f"{label} does not make {aspect} clips",
                      "valid: " + ", ".join(caps.aspects))
            resolution = shot.resolution or spec.defaults.resolution
            if resolution is not None and resolution not in caps.resolutions:
                error(key("resolution", ("defaults", "resolution")), f"{label} does not render {resolution}",
                      "valid: " + ", ".join(caps.resolutions))
            resolution = resolution or default_resolution(provider, caps)
            for res, longest in caps.max_seconds_at:
                if res == resolution and duration > longest:
                    error(key("duration", ("defaults", "duration")),
                          f"{label} makes at most {longest} s at {res}, not {duration} s",
                          f"use {longest} s, or a lower resolution")
            ref = spec.reference_for(shot)
            ref_key = ("shots", i, "style_reference") if shot.style_reference else ("style_reference",)
            if ref and not caps.first_frame:
                error(ref_key, f"{label} takes no first frame (style_reference)",
                      "use `references:` for subject images, or a model that takes a first frame")
            if caps.needs_image and not ref:
                error(("shots", i, "id"), f"{label} is image-to-video only and shot '{shot.id}' has no "
                      "style_reference", "give the shot a style_reference, or pick a text-to-video model")
            refs = spec.references_for(shot)
            refs_key = ("shots", i, "references") if shot.references is not None else ("references",)
            if len(refs) > caps.max_refs:
                error(refs_key, f"{label} takes {caps.max_refs or 'no'} reference image"
                      f"{'' if caps.max_refs == 1 else 's'}, not {len(refs)}",
                      f"{caps.ref_kind}" if caps.ref_kind else "drop `references:` for this model")
            if refs and ref and caps.refs_exclusive:
                error(refs_key, f"{label} cannot combine reference images with a first frame",
                      "set `style_reference: null` on the shot, or drop its references")
            for r, k in [(ref, ref_key)] * bool(ref) + [(x, refs_key) for x in refs]:
                if is_url(r) and "url" not in caps.ref_modes:
                    error(k, f"{label} needs image bytes, not a URL ({r})", "download the image and give its path")
                elif not is_url(r) and "data" not in caps.ref_modes:
                    error(k, f"{label} accepts only image URLs, not a local file ({Path(r).name})",
                          "host the image and give its https URL")
                elif not is_url(r) and not Path(r).is_file():
                    error(k, f"reference image {r} does not exist", "paths are relative to the batch spec's folder")
            seed = shot.seed if shot.seed is not None else spec.seed
            if seed is not None and not caps.seed and not seen_seed:
                seen_seed = True
                warnings.append(f"seed {seed} is not honoured by {label}: {caps.seed_note or 'no seed field'}; "
                                "it is recorded in the manifest but not sent")
            if (shot.negative or spec.defaults.negative) and not caps.negative and not seen_negative:
                seen_negative = True
                warnings.append(f"negative prompt is not sent to {label}: the model has no such field")
    spec.warnings.extend(warnings)
    if errors:
        raise EditListErrors(errors)
