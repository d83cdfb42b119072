#!/usr/bin/env python3
"""Generate runner/awssdk/models/<service>.json.gz, the service table of the generic
AWS SDK integrations (arn:aws:states:::aws-sdk:<service>:<action>), from
botocore's published service models.

Usage (from the repository root, with botocore installed):

    scripts/gen-awssdk-models.py            # or: go generate ./runner/awssdk

It keeps only what forwarding a request needs: per service its protocol,
endpoint prefix, signing name, target prefix, JSON version, API version and
the name Step Functions gives it (the AWS SDK for Java 2 client name: the
resource's service is its lower case, errors are prefixed with it); per
operation its HTTP method, URI template, input/output shapes, result wrapper
and error shapes; and the shapes those reach, with only the serialization
traits (members, locations, location names, flattening, timestamp formats,
payloads, error codes). Services whose protocol is rest-xml, ec2 or CBOR only
are left out: stepd refuses them at CreateStateMachine.
"""
import gzip
import json
import os
import re
import sys

import botocore

PROTOCOLS = ("json", "rest-json", "query")
OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runner", "awssdk", "models"))


def split_words(s):
    # Java SDK 2 codegen's Utils.splitOnWordBoundaries.
    s = re.sub(r"[^A-Za-z0-9]+", " ", s)
    s = re.sub(r"([^a-z]{2,})v([0-9]+)", r"\1 v\2 ", s)
    s = re.sub(r"([^A-Z]{2,})V([0-9]+)", r"\1 V\2 ", s)
    s = " ".join(re.split(r"(?<=[a-z])(?=[A-Z]([a-zA-Z]|[0-9]))", s)[::2])
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    s = re.sub(r"([0-9])([a-zA-Z])", r"\1 \2", s)
    return re.sub(r" +", " ", s).strip().split(" ")


def client_name(service_id):
    # Java SDK 2 codegen's DefaultNamingStrategy.getServiceName.
    name = "".join(w.lower().capitalize() for w in split_words(service_id))
    for prefix in ("amazon", "aws"):
        if name.lower().startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix):]
    if name.lower().endswith("service") and len(name) > len("service"):
        name = name[: -len("service")]
    return name


MEMBER_KEYS = ("location", "locationName", "flattened", "timestampFormat", "jsonvalue", "queryName", "hostLabel")
SHAPE_KEYS = ("type", "flattened", "locationName", "payload", "timestampFormat", "resultWrapper")


def compact_shape(shape):
    out = {k: shape[k] for k in SHAPE_KEYS if k in shape}
    if "members" in shape:
        out["members"] = {}
        for name, m in shape["members"].items():
            cm = {"shape": m["shape"]}
            cm.update({k: m[k] for k in MEMBER_KEYS if k in m})
            out["members"][name] = cm
    for k in ("member", "key", "value"):
        if k in shape:
            cm = {"shape": shape[k]["shape"]}
            cm.update({x: shape[k][x] for x in ("locationName",) if x in shape[k]})
            out[k] = cm
    if shape.get("exception") and "error" in shape and "code" in shape["error"]:
        out["code"] = shape["error"]["code"]
    return out


def exception_name(shape_name):
    # Java SDK 2 codegen's DefaultNamingStrategy.getExceptionName: the name
    # Step Functions gives a modeled error (DBInstanceNotFoundFault is
    # DbInstanceNotFoundException).
    pascal = lambda s: "".join(w.lower().capitalize() for w in split_words(s))
    if shape_name.endswith("Fault"):
        return pascal(shape_name[: -len("Fault")]) + "Exception"
    if shape_name.endswith("Exception"):
        return pascal(shape_name)
    return pascal(shape_name) + "Exception"


def reach(shapes, name, seen):
    if name in seen or name not in shapes:
        return
    seen.add(name)
    s = shapes[name]
    for m in s.get("members", {}).values():
        reach(shapes, m["shape"], seen)
    for k in ("member", "key", "value"):
        if k in s:
            reach(shapes, s[k]["shape"], seen)


def latest_model(data, service):
    d = os.path.join(data, service)
    for version in sorted(os.listdir(d), reverse=True):
        for f in ("service-2.json.gz", "service-2.json"):
            p = os.path.join(d, version, f)
            if os.path.exists(p):
                opener = gzip.open if p.endswith(".gz") else open
                with opener(p, "rt") as fh:
                    return json.load(fh)
    return None


def main():
    data = os.path.join(os.path.dirname(botocore.__file__), "data")
    services = {}
    for svc in sorted(os.listdir(data)):
        if not os.path.isdir(os.path.join(data, svc)):
            continue
        model = latest_model(data, svc)
        if model is None:
            continue
        md = model["metadata"]
        protocols = md.get("protocols") or [md["protocol"]]
        protocol = next((p for p in protocols if p in PROTOCOLS), None)
        if protocol is None:
            continue
        name = client_name(md.get("serviceId") or md.get("serviceAbbreviation") or md["endpointPrefix"])
        key = name.lower()
        if key in services:
            # Java SDK 2 renames one of such a pair by hand; stepd keeps the first.
            print(f"skipping {svc}: {key} is already {services[key]['model']}", file=sys.stderr)
            continue
        shapes = model["shapes"]
        ops, seen = {}, set()
        for op_name, op in sorted(model["operations"].items()):
            http = op.get("http", {})
            o = {"method": http.get("method", "POST"), "uri": http.get("requestUri", "/")}
            if "responseCode" in http:
                o["status"] = http["responseCode"]
            if "input" in op:
                o["input"] = op["input"]["shape"]
                reach(shapes, o["input"], seen)
            if "output" in op:
                o["output"] = op["output"]["shape"]
                if "resultWrapper" in op["output"]:
                    o["wrapper"] = op["output"]["resultWrapper"]
                reach(shapes, o["output"], seen)
            if op.get("errors"):
                o["errors"] = [e["shape"] for e in op["errors"]]
                for e in op["errors"]:
                    reach(shapes, e["shape"], seen)
            ops[op_name] = o
        entry = {
            "model": svc,
            "name": name,
            "protocol": protocol,
            "endpointPrefix": md["endpointPrefix"],
            "signingName": md.get("signingName", md["endpointPrefix"]),
            "apiVersion": md.get("apiVersion", ""),
            "operations": ops,
            "shapes": {n: compact_shape(shapes[n]) for n in sorted(seen)},
        }
        for n, sh in shapes.items():
            if sh.get("exception") and n in entry["shapes"]:
                entry["shapes"][n]["exceptionName"] = exception_name(n)
        for k in ("targetPrefix", "jsonVersion", "globalEndpoint", "xmlNamespace"):
            if k in md:
                entry[k] = md[k] if not isinstance(md[k], dict) else md[k].get("uri", "")
        services[key] = entry
    # One file per service, so that stepd decodes only the services a
    # definition uses.
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    total = 0
    for key, entry in services.items():
        body = json.dumps(entry, separators=(",", ":"), sort_keys=True).encode()
        total += len(body)
        with gzip.GzipFile(os.path.join(OUT, key + ".json.gz"), "wb", mtime=0) as fh:
            fh.write(body)
    with open(os.path.join(OUT, "BOTOCORE_VERSION"), "w") as fh:
        fh.write(botocore.__version__ + "\n")
    print(f"{OUT}: {len(services)} services from botocore {botocore.__version__}, {total} bytes of JSON")


if __name__ == "__main__":
    main()
