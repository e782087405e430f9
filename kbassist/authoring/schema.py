"""`pack schema`: the JSON Schema of ``pack.yaml``, generated from the pydantic models.

The models are the single source of truth; the schema lets an editor
complete keys and flag typos while a pack is written. Cross-references
(a rule naming an unknown fact) are beyond a schema: run ``kbassist pack
validate`` and ``kbassist pack lint`` for those.

Hooking it up in an editor:

1. Save the schema next to your packs::

       kbassist pack schema > kbassist-pack.schema.json

2. Either put a first line in each ``pack.yaml`` for the YAML language server
   (VS Code's "YAML" extension by Red Hat, Neovim, Helix, JetBrains...)::

       # yaml-language-server: $schema=./kbassist-pack.schema.json

   (the path is relative to the pack file; an ``https://`` URL works too),

3. or map the schema to every pack in VS Code's ``settings.json``::

       "yaml.schemas": {
           "./kbassist-pack.schema.json": ["rules/*/pack.yaml", "**/pack.yaml"]
       }
"""

from __future__ import annotations

import json
from typing import Any

from ..pack.model import PackModel

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def pack_schema() -> dict[str, Any]:
    schema = PackModel.model_json_schema(by_alias=True)
    return {
        "$schema": DIALECT,
        "title": "kbassist rule pack (pack.yaml)",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def pack_schema_json() -> str:
    return json.dumps(pack_schema(), indent=2, ensure_ascii=False) + "\n"
