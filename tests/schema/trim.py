#!/usr/bin/env python3
"""Cuts Mollie's OpenAPI document down to the paths the sandbox implements or
is about to (see KEEP), with every component they reference, and writes it as
JSON to tests/schema/mollie-openapi.json. The schema run reads only that
copy; run this again (with the full document) when KEEP grows:

    python3 tests/schema/trim.py path/to/mollie-specs.yaml

Which operations the run tests is tests/schema/operations.txt, not this file.
"""
import json
import re
import sys
from pathlib import Path

import yaml

# Path templates kept in the copy: what exists now and what is being built
# (refunds, chargebacks, captures, methods, profiles, subscriptions...).
KEEP = [
    r"^/v2/customers(/.*)?$",
    r"^/v2/payments(/.*)?$",
    r"^/v2/refunds$",
    r"^/v2/chargebacks$",
    r"^/v2/subscriptions$",
    r"^/v2/methods(/.*)?$",
    r"^/v2/profiles(/.*)?$",
    r"^/v2/organizations(/.*)?$",
    r"^/v2/permissions(/.*)?$",
    r"^/v2/wallets/applepay/sessions$",
]


class Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):
    """YAML 1.1 reads 2024-02-30 as a date (and fails): keep dates as strings."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in Loader.yaml_implicit_resolvers.items()
}


def slim(node, key=None):
    """Drops what no test reads: prose, vendor extensions, and the examples
    of responses (request examples stay: the run sends them)."""
    if isinstance(node, list):
        return [slim(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        named = key in ("properties", "paths", "schemas", "responses", "parameters")
        if not named and (k.startswith("x-") or (k == "description" and isinstance(v, str))):
            continue
        out[k] = slim(v, k)
    if key is not None and key.isdigit() or key == "default":
        # A response: its media types lose their examples.
        for media in out.get("content", {}).values():
            media.pop("examples", None)
            media.pop("example", None)
    return out


def refs(node, out):
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            r = n.get("$ref")
            if isinstance(r, str) and r.startswith("#/"):
                out.add(r)
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)


def resolve(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def main():
    src = Path(sys.argv[1])
    doc = yaml.load(src.read_text(), Loader=Loader)
    keep = [re.compile(p) for p in KEEP]
    paths = {p: v for p, v in doc["paths"].items() if any(k.match(p) for k in keep)}
    out = {k: doc[k] for k in ("openapi", "info", "servers", "security") if k in doc}
    out["paths"] = slim(paths, "paths")
    # The transitive closure of every #/components/... reference.
    seen, todo = set(), set()
    refs(paths, todo)
    for scheme in doc.get("components", {}).get("securitySchemes", {}):
        todo.add(f"#/components/securitySchemes/{scheme}")
    components = {}
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        parts = ref[2:].split("/")
        if parts[0] != "components" or len(parts) != 3:
            continue
        node = resolve(doc, ref)
        components.setdefault(parts[1], {})[parts[2]] = node
        refs(node, todo)
    out["components"] = {
        k: slim(dict(sorted(v.items())), k) for k, v in sorted(components.items())
    }
    target = Path(__file__).with_name("mollie-openapi.json")
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"{target}: {len(paths)} paths, {len(seen)} components, {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
