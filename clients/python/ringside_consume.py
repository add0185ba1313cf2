#!/usr/bin/python3
"""Reads ringside labels from a Redis stream with a consumer group, decodes
them with the schema (proto/ringside.proto) and prints one JSON line each:
the pattern a Python model-serving or training job follows.

Needs Debian's python3-redis, python3-protobuf and protoc (protobuf-compiler).
"""
import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile

from google.protobuf.json_format import MessageToDict
import redis

HERE = os.path.dirname(os.path.abspath(__file__))


def load_schema(proto_dir):
    """Generates ringside_pb2 from the .proto with protoc and imports it."""
    out = tempfile.mkdtemp(prefix="ringside-pb2-")
    subprocess.run(["protoc", f"--python_out={out}", f"-I{proto_dir}",
                    os.path.join(proto_dir, "ringside.proto")], check=True)
    sys.path.insert(0, out)
    return importlib.import_module("ringside_pb2")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--stream", default="ringside:labels")
    ap.add_argument("--group", default="py-consumer")
    ap.add_argument("--consumer", default="worker-1")
    ap.add_argument("--count", type=int, default=0, help="exit after N entries (0: run forever)")
    ap.add_argument("--proto-dir", default=os.path.join(HERE, "..", "..", "proto"))
    args = ap.parse_args()

    pb = load_schema(args.proto_dir)
    r = redis.Redis(host=args.host, port=args.port)
    try:
        r.xgroup_create(args.stream, args.group, id="0", mkstream=True)
    except redis.ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise
    seen = set()
    done = 0
    # Pending entries first (delivered before a crash, never acknowledged),
    # then new ones: at-least-once, so deduplicate on label_id.
    start = "0"
    while not args.count or done < args.count:
        reply = r.xreadgroup(args.group, args.consumer, {args.stream: start}, count=100, block=1000)
        entries = reply[0][1] if reply else []
        if start == "0" and not entries:
            start = ">"
            continue
        for entry_id, fields in entries:
            kind = fields.get(b"type", b"label").decode()
            msg = pb.Expired() if kind == "expired" else pb.Label()
            msg.ParseFromString(fields[b"pb"])
            key = getattr(msg, "label_id", "") or msg.window_id
            if key not in seen:
                seen.add(key)
                out = MessageToDict(msg, preserving_proto_field_name=True)
                out["stream_id"] = entry_id.decode()
                out["type"] = kind
                print(json.dumps(out), flush=True)
                done += 1
            r.xack(args.stream, args.group, entry_id)
            if args.count and done >= args.count:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
