#!/usr/bin/env python3
"""An independent implementation of sync/PROTOCOL.md "Signed records" (Python's json with
sorted keys, hashlib, Ed25519 from python3-cryptography), used two ways:

  seal_vectors.py write FILE   makes the published test vectors (sync/seal_vectors.json)
  seal_vectors.py check FILE   checks every vector of FILE against this implementation

so that the C++ seal (scoring/integrity) and this one are held to the same bytes."""
import hashlib
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization

GENESIS = "0" * 64
SEED = bytes(range(32))  # the test key's seed: 00 01 02 … 1f

# Line order of PRODUCT.md "Data", then the seal.
LINE_ORDER = ["id", "device", "org", "site", "seq", "questionnaire", "lang", "status",
              "started_at", "submitted_at", "duration_ms", "answers", "flags",
              "key", "prev_hash", "sig"]


def signing_bytes(record):
    unsigned = {k: v for k, v in record.items() if k != "sig"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def canonical_line(record):
    ordered = {k: record[k] for k in LINE_ORDER if k in record}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)


def public_hex(private):
    return private.public_key().public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw).hex()


def seal(record, private, prev_hash):
    record = dict(record, key=public_hex(private), prev_hash=prev_hash)
    record.pop("sig", None)
    record["sig"] = private.sign(signing_bytes(record)).hex()
    return record


def write(path):
    private = Ed25519PrivateKey.from_private_bytes(SEED)
    bases = [
        {"id": "3f1c2a9e-5b7d-4e21-9c3a-0d4b6e8f1a20", "device": "kiosk-01", "org": "demo-org",
         "site": "hq", "seq": 1, "questionnaire": "tbsc134-b1", "lang": "zh",
         "status": "complete", "started_at": "2026-11-25T09:59:10Z",
         "submitted_at": "2026-11-25T10:00:00Z", "duration_ms": 50000,
         "answers": {"1.1": 5, "1.2": 4, "7": None}, "flags": []},
        {"id": "8a0b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "device": "kiosk-01", "org": "demo-org",
         "site": "hq", "seq": 2, "questionnaire": "tbsc134-b1", "lang": "en",
         "status": "incomplete", "started_at": "2026-11-25T10:01:00Z",
         "submitted_at": "2026-11-25T10:01:04Z", "duration_ms": 4000,
         "answers": {"1.1": 1}, "flags": ["incomplete", "speeder"]},
    ]
    prev = GENESIS
    records = []
    for base in bases:
        sealed = seal(base, private, prev)
        records.append({"record": canonical_line(sealed),
                        "signing_bytes": signing_bytes(sealed).decode("utf-8"),
                        "hash": hashlib.sha256(signing_bytes(sealed)).hexdigest()})
        prev = records[-1]["hash"]
    vectors = {"about": "sync/PROTOCOL.md \"Signed records\": each record's canonical line, its "
                        "signing bytes, their SHA-256 (the next record's prev_hash) and its "
                        "Ed25519 signature under the test key whose 32-byte seed is 00 01 … 1f",
               "seed": SEED.hex(), "public_key": public_hex(private), "records": records}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(vectors, out, indent=2, ensure_ascii=False)
        out.write("\n")


def check(path):
    with open(path, encoding="utf-8") as f:
        vectors = json.load(f)
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vectors["seed"]))
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(vectors["public_key"]))
    assert public_hex(private) == vectors["public_key"], "public key does not match the seed"
    prev = GENESIS
    for i, vector in enumerate(vectors["records"]):
        record = json.loads(vector["record"])
        assert canonical_line(record) == vector["record"], f"record {i}: not in line order"
        assert record["prev_hash"] == prev, f"record {i}: prev_hash is not the previous hash"
        data = signing_bytes(record)
        assert data.decode("utf-8") == vector["signing_bytes"], f"record {i}: signing bytes"
        assert hashlib.sha256(data).hexdigest() == vector["hash"], f"record {i}: hash"
        public.verify(bytes.fromhex(record["sig"]), data)  # raises on a bad signature
        assert seal(record, private, prev)["sig"] == record["sig"], f"record {i}: signature"
        prev = vector["hash"]
    print(f"{len(vectors['records'])} passed, 0 failed")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        sys.exit(__doc__)
    (write if sys.argv[1] == "write" else check)(sys.argv[2])
