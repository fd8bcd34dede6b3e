#!/usr/bin/env python3
"""Checks CycloneDX JSON documents with cyclonedx-python-lib's strict JSON validator (the schema
of each document's specVersion). Prints one line per file; exits 1 if any is invalid."""
import json
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

failed = False
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    version = json.loads(text).get("specVersion", "1.6")
    problem = JsonStrictValidator(SchemaVersion.from_version(version)).validate_str(text)
    if problem:
        failed = True
        print(f"{path}: CycloneDX {version}: INVALID: {problem}")
    else:
        print(f"{path}: CycloneDX {version}: valid")
sys.exit(1 if failed else 0)
