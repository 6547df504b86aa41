"""Batch spec YAML -> validated model; every error names file:line, the field and a fix."""

from __future__ import annotations

import re
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from broll import yamlfile
from broll.errors import EditListError, EditListErrors
from broll.generate.providers import DEFAULT_MODELS, PROVIDERS, RETIRED_PROVIDERS, parse_target
from broll.project import find_project

ASPECT = re.compile(r"^\d+:\d+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Defaults(Strict):
    duration: int = Field(5, ge=1, le=60)
    aspect: str = "16:9"
    resolution: Optional[str] = None
    negative: Optional[str] = None

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, v: str) -> str:
        if not ASPECT.match(v):
            raise ValueError(f"aspect must look like \"16:9\", got {v!r}")
        return v


class Shot(Strict):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    prompt: str = Field(min_length=1)
    variants: int = Field(1, ge=1, le=20)
    duration: Optional[int] = Field(None, ge=1, le=60)
    aspect: Optional[str] = None
    resolution: Optional[str] = None
    negative: Optional[str] = None
    seed: Optional[int] = None
    style_reference: Optional[str] = None
    references: Optional[list[str]] = None     # subject / multi-image references (not a first frame)

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, v):
        if v is not None and not ASPECT.match(v):
            raise ValueError(f"aspect must look like \"16:9\", got {v!r}")
        return v


class PollSettings(Strict):
    interval: float = Field(6.0, gt=0)           # seconds between polls (jittered +-25%)
    queued_timeout: float = Field(1800, gt=0)     # wall-clock limit while queued / throttled
    running_timeout: float = Field(900, gt=0)     # wall-clock limit while running
    request_timeout: float = Field(30, gt=0)      # one HTTP request


class RetrySettings(Strict):
    submit: int = Field(5, ge=0)
    poll: int = Field(20, ge=0)
    download: int = Field(4, ge=0)


class BatchSpec(Strict):
    provider: Optional[str] = None
    providers: Optional[list[str]] = Field(None, min_length=1)   # A/B: the same shots to several models
    model: Optional[str] = None
    style_reference: Optional[str] = None
    references: list[str] = []
    seed: Optional[int] = None
    defaults: Defaults = Defaults()
    budget: Optional[float] = Field(None, ge=0)
    attempts: int = Field(3, ge=1, le=10)
    concurrency: int = Field(2, ge=1, le=32)
    out: str = "clips"
    poll: PollSettings = PollSettings()
    retries: RetrySettings = RetrySettings()
    prices: dict[str, dict[str, float]] = {}
    caption: bool = False          # offline only: burn the shot id into placeholder clips
    shots: list[Shot] = Field(min_length=1)

    @field_validator("provider")
    @classmethod
    def _provider(cls, v: Optional[str]) -> Optional[str]:
        if v is None:
            return v
        if v in RETIRED_PROVIDERS:
            instead, why = RETIRED_PROVIDERS[v]
            raise ValueError(f"provider '{v}' is retired: {why}; use {instead}")
        if v not in PROVIDERS:
            close = get_close_matches(v, list(PROVIDERS), n=1)
            raise ValueError(f"unknown provider {v!r}" + (f"; did you mean {close[0]!r}?" if close else "")
                             + " valid: " + ", ".join(sorted(PROVIDERS)))
        return v

    @model_validator(mode="after")
    def _one_way_to_name_models(self):
        if self.providers is None and self.provider is None:
            raise ValueError("provider is missing: set `provider:` (one model) or `providers:` (A/B, several)")
        if self.providers is not None and (self.provider is not None or self.model is not None):
            raise ValueError("`providers:` names provider/model pairs; drop `provider:` and `model:`")
        return self

    # resolved after loading
    path: Optional[Path] = None
    _warnings: list = PrivateAttr(default_factory=list)
    _ab_arm: bool = PrivateAttr(default=False)

    @property
    def ab_arm(self) -> bool:
        """True for the single-model spec of one arm of an A/B batch."""
        return self._ab_arm

    @property
    def warnings(self) -> list[str]:
        """What the spec asks for that a model will not do, but that is not worth refusing (a seed it ignores)."""
        return self._warnings

    @property
    def model_name(self) -> str:
        return self.model or DEFAULT_MODELS[self.provider]

    @property
    def targets(self) -> list[tuple[str, str]]:
        """(provider, model) pairs this spec sends every shot to, in order."""
        if self.providers is None:
            return [(self.provider, self.model_name)]
        return [parse_target(t) for t in self.providers]

    @property
    def is_ab(self) -> bool:
        return self.providers is not None

    def for_target(self, provider: str, model: str) -> "BatchSpec":
        """The single-model spec one arm of an A/B batch runs (same manifest, own output folder)."""
        if not self.is_ab:
            return self
        out = Path(self.out) / f"{provider}-{re.sub(r'[^A-Za-z0-9._-]+', '_', model)}"
        arm = self.model_copy(update={"provider": provider, "model": model, "providers": None, "out": str(out)})
        arm._warnings, arm._ab_arm = self._warnings, True
        return arm

    def references_for(self, shot: Shot) -> tuple[str, ...]:
        refs = shot.references if shot.references is not None else self.references
        return tuple(r if r.startswith(("http://", "https://")) or Path(r).is_absolute() else str(self.root / r)
                     for r in refs)

    @property
    def root(self) -> Path:
        """The spec's folder: ``out:`` and reference paths are relative to it."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def project(self) -> Path:
        """The project whose ``.broll/`` holds the manifest (broll.project.find_project)."""
        return find_project(self.path if self.path else Path.cwd())

    def out_dir(self) -> Path:
        out = Path(self.out)
        return out if out.is_absolute() else self.root / out

    def reference_for(self, shot: Shot) -> str | None:
        if "style_reference" in shot.model_fields_set and shot.style_reference is None:
            return None    # `style_reference: null` on a shot opts out of the batch's reference
        ref = shot.style_reference or self.style_reference
        if not ref or ref.startswith(("http://", "https://")):
            return ref
        p = Path(ref)
        return str(p if p.is_absolute() else self.root / p)


def _allowed(model: type[BaseModel], loc: tuple) -> list[str]:
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        current = next((a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if current is None:
            return []
    return [f for f in current.model_fields if f != "path"] if current else []


def load_spec(path: str | Path, *, check_models: bool = True) -> BatchSpec:
    """Read and validate a batch spec. ``check_models=False`` skips the check against each model's
    capabilities (for reading the manifest of a batch whose model has since been retired)."""
    path = Path(path)
    doc = yamlfile.load_file(path, what="batch spec")
    return spec_from_data(doc.data, path, lambda key, key_=True: doc.where(key, key=key_), check_models=check_models)


def spec_from_data(data: Any, path: Path, where, *, check_models: bool = True, prefix: tuple = (),
                   file: str | None = None) -> BatchSpec:
    """Validate batch-spec data read from ``file`` (default ``path``) into a BatchSpec whose ``path``
    is ``path`` (the manifest batch id and the folder relative paths start from).

    ``where(loc)`` gives ``(line, col)`` for a field path; ``prefix`` is where the spec sits inside
    its file: an edit list's ``generate:`` section is validated here too, with errors named
    ``generate.shots[2].prompt`` at their own line.
    """
    path = Path(path)
    file = file or str(path)
    at = lambda loc: where(prefix + tuple(loc))  # noqa: E731
    name = lambda loc: yamlfile.dotted(prefix + tuple(loc))  # noqa: E731
    if not isinstance(data, dict):
        line = at(())
        raise EditListError("a batch spec is a mapping with provider, shots, ...", file=file, line=line[0] or 1,
                            column=line[1] or 1, field=name(()) or None)

    try:
        spec = BatchSpec.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg, hint = err["msg"], None
            where_ = at(loc)
            if err["type"] == "extra_forbidden":
                allowed = _allowed(BatchSpec, loc)
                close = get_close_matches(str(loc[-1]), allowed, n=1)
                msg = f"unknown field '{loc[-1]}'"
                hint = (f"did you mean '{close[0]}'? " if close else "") + "valid: " + ", ".join(allowed)
            elif err["type"] == "missing":
                msg = "required field is missing"
            msg = msg.removeprefix("Value error, ")
            errors.append(EditListError(msg, file=file, line=where_[0], column=where_[1],
                                        field=name(loc), hint=hint))
        raise EditListErrors(errors) from None
    seen: dict[str, int] = {}
    dupes = []
    for i, shot in enumerate(spec.shots):
        if shot.id in seen:
            line = at(("shots", i, "id"))
            dupes.append(EditListError(f"duplicate shot id '{shot.id}' (first at shots[{seen[shot.id]}])",
                                       file=file, line=line[0], column=line[1], field=name(("shots", i, "id")),
                                       hint="give every shot a unique id"))
        seen.setdefault(shot.id, i)
    if dupes:
        raise EditListErrors(dupes)
    spec.path = path.resolve()
    for i, shot in enumerate(spec.shots):
        ref = spec.reference_for(shot)
        if ref and not ref.startswith(("http://", "https://")) and not Path(ref).is_file():
            key = ("shots", i, "style_reference") if shot.style_reference else ("style_reference",)
            line = at(key)
            raise EditListError(f"style reference {ref} does not exist", file=file, line=line[0],
                                column=line[1], field=name(key),
                                hint="paths are relative to the batch spec's folder")
    if not check_models:
        return spec
    from broll.generate.validate import check_against_models
    check_against_models(spec, locate=at, field_name=name, file=file)
    return spec
