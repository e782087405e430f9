"""`kbassist pack schema`: the JSON Schema accepts the bundled pack and rejects typos.

jsonschema is not a dependency, so a small validator below covers the
keywords pydantic emits ($ref, anyOf/oneOf, type, properties, required,
additionalProperties, items, enum/const, pattern, min/max).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from click.testing import CliRunner

from kbassist.cli import main
from kbassist.pack.loader import bundled_pack_dirs

TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def errors(schema: dict[str, Any], value: Any, root: dict[str, Any], path: str = "") -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return errors(root["$defs"][name], value, root, path)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            matches = [s for s in schema[key] if not errors(s, value, root, path)]
            if not matches or (key == "oneOf" and len(matches) > 1):
                return [f"{path}: {len(matches)} of {key} match"]
    kind = schema.get("type")
    if kind == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
        return [f"{path}: not an integer"]
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return [f"{path}: not a number"]
    if kind in TYPES and not isinstance(value, TYPES[kind]):
        return [f"{path}: not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: not in enum"]
    if "const" in schema and value != schema["const"]:
        return [f"{path}: not the constant"]
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        return [f"{path}: does not match {schema['pattern']}"]
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "maximum" in schema and value > schema["maximum"]:
            return [f"{path}: too large"]
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            return [f"{path}: too small"]
    out: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out += [f"{path}.{k}: missing" for k in schema.get("required", []) if k not in value]
        for key, item in value.items():
            if key in props:
                out += errors(props[key], item, root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                out.append(f"{path}.{key}: unknown key")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{path}: too few items")
        for i, item in enumerate(value):
            out += errors(schema.get("items", {}), item, root, f"{path}[{i}]")
    return out


def schema_from_cli() -> dict[str, Any]:
    result = CliRunner().invoke(main, ["pack", "schema"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def bundled() -> dict[str, Any]:
    return yaml.safe_load((bundled_pack_dirs()[0] / "pack.yaml").read_text(encoding="utf-8"))


def test_bundled_pack_validates_against_the_schema():
    schema = schema_from_cli()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["additionalProperties"] is False
    assert {"pack", "causes", "rules"} <= set(schema["required"])
    assert errors(schema, bundled(), schema) == []


def test_schema_rejects_typos_and_bad_values():
    schema = schema_from_cli()
    data = bundled()
    data["rules"][0]["concluds"] = data["rules"][0].pop("concludes")
    data["causes"][0]["severity"] = "bad"
    data["rules"][1]["when"] = {"fact": "enumprot.failed", "iss": True}
    found = errors(schema, data, schema)
    assert ".rules[0].concluds: unknown key" in found
    assert any(f.startswith(".causes[0].severity") for f in found)
    assert any(f.startswith(".rules[1].when") for f in found)


def test_help_explains_the_editor_hookup():
    result = CliRunner().invoke(main, ["pack", "schema", "--help"])
    assert "# yaml-language-server: $schema=" in result.stdout
    assert "yaml.schemas" in result.stdout


def test_schema_shows_the_review_block_and_the_risk_factor_role(tmp_path):
    from kbassist.authoring.scaffold import new_pack

    schema = schema_from_cli()
    review = schema["$defs"]["RuleReview"]
    assert set(review["properties"]) == {"source", "others", "certainty"}
    assert review["additionalProperties"] is False
    rule = schema["$defs"]["Rule"]["properties"]["review"]
    assert {"$ref": "#/$defs/RuleReview"} in rule["anyOf"]
    assert "risk-factor" in schema["$defs"]["Question"]["properties"]["role"]["enum"]
    folder = new_pack("demo", tmp_path)
    data = yaml.safe_load((folder / "pack.yaml").read_text(encoding="utf-8"))
    assert data["rules"][0]["review"]["source"] == "demo#symptoms"
    assert errors(schema, data, schema) == []
    data["rules"][0]["review"]["sorce"] = data["rules"][0]["review"].pop("source")
    assert any(f.startswith(".rules[0].review") for f in errors(schema, data, schema))


def test_schema_describes_the_files_a_pack_reads():
    from kbassist.evidence import KINDS

    schema = schema_from_cli()
    assert schema["properties"]["files"]["items"] == {"$ref": "#/$defs/FileDecl"}
    file = schema["$defs"]["FileDecl"]
    assert set(file["required"]) == {"id", "kind", "facts", "title", "how"}
    assert file["additionalProperties"] is False
    assert sorted(file["properties"]["kind"]["enum"]) == sorted(KINDS)
    data = bundled()
    assert len(data["files"]) == 7 and errors(schema, data, schema) == []
    data["files"][0]["kind"] = "regedit"
    data["files"][1]["howto"] = data["files"][1].pop("how")
    found = errors(schema, data, schema)
    assert ".files[0].kind: not in enum" in found
    assert ".files[1].howto: unknown key" in found and ".files[1].how: missing" in found
