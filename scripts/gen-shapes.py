#!/usr/bin/env python3
"""Regenerate service/shapes/data from botocore's AWS API models.

    python3 scripts/gen-shapes.py [--botocore DIR]

For every AWS service botocore describes (its latest API version), writes
service/shapes/data/<service>.json.gz: the output shape of each operation and
every shape those reach, keeping only what validating a result needs (types,
members, required members, enums, min/max). TestState's fieldValidationMode
checks mocked results against them. index.json maps the names Step Functions
uses for a service (the botocore directory and its serviceId, lower case,
without spaces or dashes, as in aws-sdk:<service>) to the file.

The output is deterministic (sorted keys, fixed gzip mtime), so regenerating
from the same botocore changes nothing.
"""
import argparse
import glob
import gzip
import io
import json
import os
import sys


def compact(model):
    shapes = model["shapes"]
    used = {}

    def walk(name):
        if name in used:
            return
        s = shapes[name]
        t = s["type"]
        e = {"t": t}
        if t == "structure":
            e["m"] = {k: v["shape"] for k, v in s.get("members", {}).items()}
            if s.get("required"):
                e["r"] = list(s["required"])
            if s.get("document"):
                e["t"] = "document"
                e.pop("m")
        elif t == "list":
            e["e"] = s["member"]["shape"]
        elif t == "map":
            e["v"] = s["value"]["shape"]
        if "enum" in s:
            e["n"] = s["enum"]
        for k, short in (("min", "lo"), ("max", "hi")):
            if k in s and isinstance(s[k], (int, float)):
                e[short] = s[k]
        used[name] = e
        for c in list(e.get("m", {}).values()) + [e.get("e"), e.get("v")]:
            if c:
                walk(c)

    ops = {}
    for op, o in model["operations"].items():
        if "output" in o:
            walk(o["output"]["shape"])
            ops[op] = o["output"]["shape"]
    return {"ops": ops, "shapes": used}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--botocore", help="botocore's data directory (default: the installed botocore's)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "service", "shapes", "data"))
    args = ap.parse_args()
    base = args.botocore
    if not base:
        import botocore
        base = os.path.join(os.path.dirname(botocore.__file__), "data")
    os.makedirs(args.out, exist_ok=True)
    for old in glob.glob(os.path.join(args.out, "*.json.gz")):
        os.remove(old)
    index = {}
    for svc in sorted(os.listdir(base)):
        versions = sorted(glob.glob(os.path.join(base, svc, "*", "service-2.json*")))
        if not versions:
            continue
        f = versions[-1]
        with (gzip.open(f) if f.endswith(".gz") else open(f, "rb")) as fh:
            model = json.load(fh)
        data = json.dumps(compact(model), sort_keys=True, separators=(",", ":")).encode()
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
            gz.write(data)
        with open(os.path.join(args.out, svc + ".json.gz"), "wb") as fh:
            fh.write(buf.getvalue())
        sid = model["metadata"].get("serviceId", "").lower().replace(" ", "").replace("-", "")
        index.setdefault(svc, svc)
        if sid:
            index.setdefault(sid, svc)
    with open(os.path.join(args.out, "index.json"), "w") as fh:
        json.dump(index, fh, sort_keys=True, indent=0)
        fh.write("\n")
    print(f"wrote {len(glob.glob(os.path.join(args.out, '*.json.gz')))} services to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
