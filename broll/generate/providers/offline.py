"""The offline provider: no key, no network; renders labelled placeholder clips locally.

It goes through the same batch machinery as a real vendor (manifest, budget at $0,
download verification, QC gate), so ``make demo`` and tests exercise the real path.
Submit renders the clip into ``.broll/offline/`` and returns an id derived from the
client key; poll reports it finished; the output is a ``file://`` URL.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from broll.generate.provider import Caps, ClipSpec, Poll, RequestPlan, State
from broll.media.placeholder import render_placeholder, size_for

RESOLUTIONS = {"240p": 240, "360p": 360, "480p": 480, "540p": 540, "720p": 720, "1080p": 1080}


class Offline:
    name = "offline"
    key_vars: tuple[str, ...] = ()
    key_aliases: dict[str, str] = {}
    default_base = ""
    default_model = "placeholder"
    placeholder = True
    open_models = True       # any label: placeholders for trying a spec
    RETIRED: dict[str, tuple[str, str]] = {}
    MODELS = {"placeholder": Caps(seed=True, durations=tuple(range(1, 31)),
                                  aspects=("16:9", "9:16", "1:1", "4:5", "4:3", "21:9"),
                                  resolutions=tuple(RESOLUTIONS), ref_modes=("data",), reconcile="external_id")}

    def __init__(self, workdir: Path, burn_caption: bool = False):
        self.workdir = Path(workdir)
        self.burn_caption = burn_caption

    def capabilities(self, model: str) -> Caps:
        return self.MODELS["placeholder"]

    def estimate_cost(self, spec: ClipSpec, prices: dict) -> Decimal:
        return Decimal("0")

    def _path(self, task_id: str) -> Path:
        return self.workdir / f"{task_id}.mp4"

    def plan_submit(self, spec: ClipSpec, client_key: str) -> RequestPlan:
        return RequestPlan("RENDER", f"file://{self._path('offline-' + client_key)}", {},
                           {"caption": spec.caption, "prompt": spec.prompt, "seed": spec.seed,
                            "duration": spec.duration_s, "aspect": spec.aspect, "resolution": spec.resolution,
                            "reference": spec.ref_image, "placeholder": True,
                            "burn_caption": self.burn_caption})

    def submit(self, spec: ClipSpec, client_key: str) -> str:
        task_id = f"offline-{client_key}"
        short = RESOLUTIONS.get(spec.resolution or "", 360)
        render_placeholder(self._path(task_id), caption=spec.caption or client_key, prompt=spec.prompt,
                           seed=spec.seed or 0, duration=spec.duration_s, size=size_for(spec.aspect, short),
                           reference=spec.ref_image, burn_caption=self.burn_caption)
        return task_id

    def poll(self, task_id: str) -> Poll:
        path = self._path(task_id)
        if path.is_file():
            return Poll(state=State.SUCCEEDED, progress=1.0, outputs=[path.resolve().as_uri()], raw_status="rendered")
        return Poll(state=State.FAILED, message=f"placeholder {path} is missing", raw_status="missing",
                    charged=False)

    def download_headers(self, url: str) -> dict[str, str]:
        return {}

    def cancel(self, task_id: str) -> None:
        return None

    def find_by_client_key(self, client_key: str, since: datetime | None, **_) -> str | None:
        task_id = f"offline-{client_key}"
        return task_id if self._path(task_id).is_file() else None
