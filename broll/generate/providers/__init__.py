"""``PROVIDERS``: vendor name -> adapter class; :func:`build` wires keys, base URL and client.

Each adapter class states its models (``MODELS``: name -> :class:`Caps`), its default and the
ids its vendor has shut down (``RETIRED``: id -> (replacement, why)). :func:`check_model`
is what the batch validator asks before anything is sent.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from broll.errors import UnknownNameError, lookup
from broll.generate.provider import Caps, RetiredModel, base_url, env_key
from broll.generate.providers.fal import Fal
from broll.generate.providers.kling import Kling
from broll.generate.providers.luma import Luma
from broll.generate.providers.minimax import MiniMax
from broll.generate.providers.offline import Offline
from broll.generate.providers.omni import Omni
from broll.generate.providers.replicate import Replicate
from broll.generate.providers.runway import Runway
from broll.generate.providers.seedance import Seedance
from broll.generate.providers.veo import Veo
from broll.generate.providers.wan import Wan

PROVIDERS = {"runway": Runway, "kling": Kling, "luma": Luma, "veo": Veo, "omni": Omni, "minimax": MiniMax,
             "seedance": Seedance, "wan": Wan, "fal": Fal, "replicate": Replicate, "offline": Offline}

DEFAULT_MODELS = {name: cls.default_model for name, cls in PROVIDERS.items()}

#: whole providers that are gone: name -> (what to use instead, why)
RETIRED_PROVIDERS = {"sora": ("veo, omni, runway or kling", "OpenAI shut the Sora API down on 2026-09-24")}


def check_model(provider: str, model: str) -> Caps:
    """The model's capabilities; a retired or unknown id is an error naming what to use instead."""
    if provider in RETIRED_PROVIDERS:
        instead, why = RETIRED_PROVIDERS[provider]
        raise RetiredModel(f"provider '{provider}' is retired: {why}", f"use {instead}")
    cls = lookup(PROVIDERS, "provider", provider)
    if model in cls.RETIRED:
        replacement, why = cls.RETIRED[model]
        raise RetiredModel(f"{provider} model '{model}' is retired ({why})",
                           f"use model: {replacement}")
    if model not in cls.MODELS and not cls.open_models:
        raise UnknownNameError(f"{provider} model", model, list(cls.MODELS))
    return cls.MODELS.get(model) or cls.MODELS[cls.default_model]


def build(name: str, client: httpx.Client | None, *, workdir: Path, require_keys: bool = True,
          burn_caption: bool = False):
    """An adapter for ``name``; raises AuthError naming the variable when a key is missing."""
    cls = lookup(PROVIDERS, "provider", name)
    if cls is Offline:
        return Offline(workdir, burn_caption=burn_caption)
    keys = {}
    for var in cls.key_vars:
        alias = cls.key_aliases.get(var)
        if alias and not os.environ.get(var, "").strip() and os.environ.get(alias, "").strip():
            keys[var] = os.environ[alias].strip()
        else:
            keys[var] = env_key(var, name, required=require_keys)
    return cls(client, base_url(name, cls.default_base), keys)


def parse_target(text: str) -> tuple[str, str]:
    """``"runway/gen4_turbo"`` -> ("runway", "gen4_turbo"); ``"kling"`` -> its default model.

    Model ids may themselves contain a slash (fal ``pika/v2.2``, Replicate ``owner/name``),
    so only the first slash splits.
    """
    provider, _, model = text.partition("/")
    return provider, model or DEFAULT_MODELS.get(provider, "")


__all__ = ["PROVIDERS", "DEFAULT_MODELS", "RETIRED_PROVIDERS", "build", "check_model", "parse_target"]
