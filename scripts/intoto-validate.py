#!/usr/bin/env python3
"""Checks in-toto Statement v1 JSON documents with the in-toto attestation framework's Python
bindings (in-toto-attestation): the JSON must map onto the Statement proto (no unknown fields) and
pass its validation (type, subjects with digests, predicate type, predicate). Prints one line per
file; exits 1 if any is invalid."""
import sys

from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement

failed = False
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        proto = json_format.Parse(text, statement_pb2.Statement())
        Statement.copy_from_pb(proto).validate()
    except Exception as e:  # noqa: BLE001 - every failure is a verdict on the file
        failed = True
        print(f"{path}: in-toto Statement v1: INVALID: {e}")
    else:
        print(f"{path}: in-toto Statement v1: valid")
sys.exit(1 if failed else 0)
