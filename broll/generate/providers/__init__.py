"""``PROVIDERS``: vendor name -> adapter class; :func:`build` wires keys, base URL and client."""

from __future__ import annotations

from pathlib import Path

import httpx

from broll.errors import lookup
from broll.generate.provider import base_url, env_key
from broll.generate.providers.fal import Fal
from broll.generate.providers.kling import Kling
from broll.generate.providers.luma import Luma
from broll.generate.providers.offline import Offline
from broll.generate.providers.replicate import Replicate
from broll.generate.providers.runway import Runway
from broll.generate.providers.veo import Veo

PROVIDERS = {"runway": Runway, "kling": Kling, "luma": Luma, "veo": Veo, "fal": Fal, "replicate": Replicate,
             "offline": Offline}

DEFAULT_MODELS = {"runway": "gen4_turbo", "kling": "kling-v2-1", "luma": "ray-2", "veo": "veo-3.1-generate-preview",
                  "fal": "pika/v2.2", "replicate": "minimax/video-01", "offline": "placeholder"}


def build(name: str, client: httpx.Client | None, *, workdir: Path, require_keys: bool = True,
          burn_caption: bool = False):
    """An adapter for ``name``; raises AuthError naming the variable when a key is missing."""
    cls = lookup(PROVIDERS, "provider", name)
    if cls is Offline:
        return Offline(workdir, burn_caption=burn_caption)
    keys = {var: env_key(var, name, required=require_keys) for var in cls.key_vars}
    return cls(client, base_url(name, cls.default_base), keys)
