"""Tools for pack authors: lint, test cases, explanations, schema, docs, scaffolding."""
