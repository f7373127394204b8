"""GitHub's official OpenAPI description (@octokit/openapi), trimmed to the releases endpoints
so that Prism loads it in a second: every path under /repos/{owner}/{repo}/releases and every
component they reference, unchanged."""
import json
import os

from lean_cli import SOURCE_DIR

SPEC = os.path.join(SOURCE_DIR, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json")


def _refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def trimmed_release_spec(path):
    with open(SPEC) as f:
        spec = json.load(f)
    paths = {p: v for p, v in spec["paths"].items() if p.startswith("/repos/{owner}/{repo}/releases")}
    components = {}
    pending = set()
    _refs(paths, pending)
    done = set()
    while pending:
        ref = pending.pop()
        if ref in done:
            continue
        done.add(ref)
        _, _, kind, name = ref.split("/", 3)
        item = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = item
        _refs(item, pending)
    out = {k: spec[k] for k in ("openapi", "info", "servers") if k in spec}
    out["paths"] = paths
    out["components"] = components
    with open(path, "w") as f:
        json.dump(out, f)
    return path
