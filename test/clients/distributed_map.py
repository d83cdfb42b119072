#!/usr/bin/env python3
"""Distributed Maps over S3 through a real `stepd serve`, with boto3 as the client.

    python3 test/clients/distributed_map.py [--bin bin/stepd]

moto's server is the S3 (services.s3 in stepd's configuration). boto3 puts the
objects, runs the machines through stepd's Step Functions API, and reads the
results back from S3, once with a stepd on SQLite and once with one on
PostgreSQL (a fresh schema in STEPD_TEST_POSTGRES, dropped afterwards; skipped,
saying so, without it, unless CI is set):

  JSON        a JSON array, batched by MaxInputBytesPerBatch with BatchInput;
  JSONL       one item a line, MaxItems;
  CSV         FIRST_ROW headers with a quoted comma; GIVEN headers, TAB
              delimiter, MaxItems, an ItemSelector with $$.Map.Item, EXPRESS
              children;
  manifest    an S3 inventory (manifest.json and a gzipped CSV data file),
              batched with BatchInput, STANDARD children, and its Map Run
              through ListMapRuns, DescribeMapRun and ListExecutions
              --map-run-arn (a child a batch, with its itemCount);
  list        s3:listObjectsV2 over a prefix;
  results     a ResultWriter (JSON, FLATTEN): the Map's result and the
              manifest.json and SUCCEEDED_0.json it wrote;
  missing     a missing object: States.ItemReaderFailed with S3's cause;
  map runs    on PostgreSQL, clients.py's Map Run suite (which clients.py runs
              on SQLite): UpdateMapRun of a running run, its abort with the
              parent, and the actions' errors.

Without moto_server the suite is skipped, saying so, unless
STEPD_REQUIRE_MOTO=1. Exits non-zero on the first failure.
"""
import argparse
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import boto3
from botocore.config import Config

from clients import map_run_suite
from mock_config import check, free_port, wait_port


def machine(reader, extra, child_type="EXPRESS", child=None):
    child = child or {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    child = dict(child, ProcessorConfig={"Mode": "DISTRIBUTED", "ExecutionType": child_type})
    state = dict({"Type": "Map", "ItemReader": reader, "ItemProcessor": child, "End": True}, **extra)
    return json.dumps({"StartAt": "Map", "States": {"Map": state}})


def run(sfn, name, definition, input="{}"):
    arn = sfn.create_state_machine(name=name, definition=definition, roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=arn, input=input)["executionArn"]
    deadline = time.time() + 60
    while True:
        d = sfn.describe_execution(executionArn=ex)
        if d["status"] != "RUNNING":
            return d
        check(time.time() < deadline, f"{name} still running after 60 s")
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("STEPD_BIN", "bin/stepd"))
    args = ap.parse_args()
    moto = shutil.which("moto_server")
    if not moto:
        if os.environ.get("STEPD_REQUIRE_MOTO") == "1":
            raise AssertionError("moto_server is required (STEPD_REQUIRE_MOTO=1) and missing")
        print("SKIP the Distributed Map suite: moto_server is missing (it serves S3)")
        return
    work = tempfile.mkdtemp(prefix="stepd-dmap-")
    procs = []
    try:
        moto_port = free_port()
        moto_log = os.path.join(work, "moto.log")
        p = subprocess.Popen([moto, "-p", str(moto_port)], stdout=open(moto_log, "w"), stderr=subprocess.STDOUT)
        procs.append(p)
        wait_port(moto_port, p, moto_log, "moto_server")
        endpoint = f"http://127.0.0.1:{moto_port}"
        cfg = os.path.join(work, "stepd.yaml")
        with open(cfg, "w") as f:
            f.write(f"services:\n  s3:\n    endpoint: {endpoint}\n    region: us-east-1\n")
        stores = [("sqlite", [])]
        pg = os.environ.get("STEPD_TEST_POSTGRES")
        if pg:
            schema = "dmap_" + uuid.uuid4().hex[:8]
            stores.append(("postgres", ["--store", pg, "--pg-schema", schema]))
        elif os.environ.get("CI"):
            raise AssertionError("STEPD_TEST_POSTGRES is not set, and CI needs the PostgreSQL run")
        else:
            print("SKIP the PostgreSQL run: STEPD_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test)")
        for label, store in stores:
            home = os.path.join(work, label)
            os.makedirs(home)
            port = free_port()
            log = os.path.join(home, "stepd.log")
            p = subprocess.Popen([args.bin, "serve", "--addr", f"127.0.0.1:{port}", "--data", os.path.join(home, "data"), "--config", cfg, *store],
                                 stdout=open(log, "w"), stderr=subprocess.STDOUT)
            procs.append(p)
            try:
                wait_port(port, p, log, "stepd serve")
                keys = dict(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
                s3 = boto3.client("s3", endpoint_url=endpoint, **keys)
                sfn = boto3.client("stepfunctions", endpoint_url=f"http://127.0.0.1:{port}", config=Config(retries={"max_attempts": 1}), **keys)
                suite(s3, sfn, "stepd-dmap-" + label)
                if store:  # clients.py runs it on SQLite
                    map_run_suite(sfn)
                    print(f"ok  Map Run actions ({label})")
            finally:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=30)
                procs.remove(p)
                if store:
                    subprocess.run(["psql", pg, "-qc", f"DROP SCHEMA IF EXISTS {schema} CASCADE"], capture_output=True)
            print(f"Distributed Map suite passed ({label})")
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


def suite(s3, sfn, bucket):
    """Every ItemReader input type, ItemBatcher, ResultWriter and a Map Run's
    actions, over bucket, through sfn."""
    s3.create_bucket(Bucket=bucket)

    # JSON, batched by bytes: {"BatchInput":{"n":1},"Items":[{"a":1},{"a":2}]}
    # is 48 bytes, and a third item would make it 56.
    s3.put_object(Bucket=bucket, Key="rows.json", Body=b'[{"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}, {"a": 5}]')
    d = run(sfn, "json-bytes", machine(
        {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": bucket, "Key": "rows.json"}, "ReaderConfig": {"InputType": "JSON"}},
        {"ItemBatcher": {"MaxInputBytesPerBatch": 48, "BatchInput": {"n": 1}}}))
    check(d["status"] == "SUCCEEDED", d)
    batches = json.loads(d["output"])
    check([[i["a"] for i in b["Items"]] for b in batches] == [[1, 2], [3, 4], [5]] and all(b["BatchInput"] == {"n": 1} for b in batches), batches)
    check(all(len(json.dumps(b, separators=(",", ":"))) <= 48 for b in batches), batches)
    print("ok  JSON, batched by MaxInputBytesPerBatch")

    # JSONL, MaxItems.
    s3.put_object(Bucket=bucket, Key="rows.jsonl", Body=b'{"l": 1}\n{"l": 2}\n{"l": 3}\n')
    d = run(sfn, "jsonl", machine(
        {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": bucket, "Key": "rows.jsonl"},
         "ReaderConfig": {"InputType": "JSONL", "MaxItems": 2}}, {}))
    check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == [{"l": 1}, {"l": 2}], d)
    print("ok  JSONL, MaxItems")

    # CSV: FIRST_ROW headers, a quoted comma.
    s3.put_object(Bucket=bucket, Key="people.csv", Body=b'name,city\nann,Oslo\n"bob, jr",Rome\n')
    d = run(sfn, "csv-first-row", machine(
        {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": bucket, "Key": "people.csv"},
         "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}, {}))
    check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == [{"name": "ann", "city": "Oslo"}, {"name": "bob, jr", "city": "Rome"}], d)
    print("ok  CSV, FIRST_ROW headers")

    # CSV: GIVEN headers, TAB, MaxItems, an ItemSelector.
    s3.put_object(Bucket=bucket, Key="ratings.tsv", Body=b"1\t307\t3.5\n1\t481\t3.5\n2\t1091\t1.5\n")
    d = run(sfn, "csv", machine(
        {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": bucket, "Key": "ratings.tsv"},
         "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVDelimiter": "TAB",
                          "CSVHeaders": ["userId", "movieId", "rating"], "MaxItems": 2}},
        {"ItemSelector": {"index.$": "$$.Map.Item.Index", "row.$": "$$.Map.Item.Value"}}))
    check(d["status"] == "SUCCEEDED", d)
    check(json.loads(d["output"]) == [{"index": 0, "row": {"userId": "1", "movieId": "307", "rating": "3.5"}},
                                      {"index": 1, "row": {"userId": "1", "movieId": "481", "rating": "3.5"}}], d["output"])
    print("ok  CSV, GIVEN headers, TAB, MaxItems")

    # An S3 inventory, batched.
    s3.put_object(Bucket=bucket, Key="inv/data/1.csv.gz",
                  Body=gzip.compress(b'"src","a.txt","1"\n"src","b.txt","2"\n"src","c.txt","3"\n'))
    s3.put_object(Bucket=bucket, Key="inv/manifest.json", Body=json.dumps({
        "sourceBucket": "src", "destinationBucket": f"arn:aws:s3:::{bucket}", "version": "2016-11-30",
        "fileFormat": "CSV", "fileSchema": "Bucket, Key, Size", "files": [{"key": "inv/data/1.csv.gz", "size": 1, "MD5checksum": "x"}]}).encode())
    d = run(sfn, "manifest", machine(
        {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": bucket, "Key": "inv/manifest.json"},
         "ReaderConfig": {"InputType": "MANIFEST"}},
        {"ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"source": "inventory"}}}, "STANDARD"))
    check(d["status"] == "SUCCEEDED", d)
    check(json.loads(d["output"]) == [
        {"BatchInput": {"source": "inventory"}, "Items": [{"Bucket": "src", "Key": "a.txt", "Size": "1"}, {"Bucket": "src", "Key": "b.txt", "Size": "2"}]},
        {"BatchInput": {"source": "inventory"}, "Items": [{"Bucket": "src", "Key": "c.txt", "Size": "3"}]}], d["output"])
    runs = sfn.list_map_runs(executionArn=d["executionArn"])["mapRuns"]
    check(len(runs) == 1 and runs[0]["executionArn"] == d["executionArn"], runs)
    m = sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])
    check(m["status"] == "SUCCEEDED" and m["itemCounts"]["total"] == 3 and m["itemCounts"]["succeeded"] == 3
          and m["executionCounts"]["total"] == 2 and m["executionCounts"]["succeeded"] == 2, m)
    children = sfn.list_executions(mapRunArn=runs[0]["mapRunArn"])["executions"]
    check(sorted(c["itemCount"] for c in children) == [1, 2] and all(c["status"] == "SUCCEEDED" for c in children), children)
    print("ok  S3 inventory manifest, batched; its Map Run and children")

    # listObjectsV2.
    for k in ("logs/1.log", "logs/2.log"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x" * int(k[5]))
    d = run(sfn, "list", machine(
        {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": bucket, "Prefix": "logs/"}}, {}))
    check(d["status"] == "SUCCEEDED", d)
    items = json.loads(d["output"])
    check([(i["Key"], i["Size"], i["StorageClass"]) for i in items] == [("logs/1.log", 1, "STANDARD"), ("logs/2.log", 2, "STANDARD")], items)
    check(all(set(i) == {"Etag", "Key", "LastModified", "Size", "StorageClass"} and isinstance(i["LastModified"], int) for i in items), items)
    print("ok  listObjectsV2")

    # A ResultWriter: FLATTEN, JSON.
    s3.put_object(Bucket=bucket, Key="nums.json", Body=b"[1, 2, 3]")
    d = run(sfn, "results", machine(
        {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": bucket, "Key": "nums.json"}},
        {"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": bucket, "Prefix": "out"},
                          "WriterConfig": {"OutputType": "JSON", "Transformation": "FLATTEN"}}},
        child={"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$"}, "OutputPath": "$.v", "Next": "A"},
                                          "A": {"Type": "Pass", "Parameters": {"pair.$": "States.Array($, $)"}, "OutputPath": "$.pair", "End": True}}}))
    check(d["status"] == "SUCCEEDED", d)
    out = json.loads(d["output"])
    run_id = out["MapRunArn"].rsplit(":", 1)[1]
    check(out["ResultWriterDetails"] == {"Bucket": bucket, "Key": f"out/{run_id}/manifest.json"}, out)
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"out/{run_id}/manifest.json")["Body"].read())
    succeeded = s3.get_object(Bucket=bucket, Key=f"out/{run_id}/SUCCEEDED_0.json")["Body"].read()
    check(manifest == {"DestinationBucket": bucket, "MapRunArn": out["MapRunArn"], "ResultFiles": {
        "FAILED": [], "PENDING": [], "SUCCEEDED": [{"Key": f"out/{run_id}/SUCCEEDED_0.json", "Size": len(succeeded)}]}}, manifest)
    check(json.loads(succeeded) == [1, 1, 2, 2, 3, 3], succeeded)
    print("ok  ResultWriter, FLATTEN")

    # A missing object.
    d = run(sfn, "missing", machine(
        {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": bucket, "Key": "none.json"}}, {}))
    check(d["status"] == "FAILED" and d["error"] == "States.ItemReaderFailed", d)
    check(d["cause"].startswith("The specified key does not exist. (Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey;"), d["cause"])
    print("ok  a missing object")

if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL", e)
        sys.exit(1)
