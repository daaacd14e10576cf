"""Verifies a sales journal archive (export_sales_journal) with nothing but Python's standard
library: the manifest's HMAC-SHA256 signature, each file's SHA-256, and the hash chains of the
entries and closings. The archive carries a copy of this file as `verify.py`:

    python verify.py sales-journal-2026-11.zip SIGNING_KEY
"""

import hashlib
import hmac
import json
import sys
import zipfile


def canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(previous_hash: str, content: dict) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical(content)).hexdigest()


def sign(key: str, data: bytes) -> str:
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


def _chains(rows: list[dict], what: str) -> list[str]:
    problems: list[str] = []
    last: dict[str, dict] = {}
    for row in rows:
        previous = last.get(row["chain"])
        if previous is not None and row["previous_hash"] != previous["hash"]:
            problems.append(f"{what} {row['id']}: the link to the previous one is broken")
        if chain_hash(row["previous_hash"], row["content"]) != row["hash"]:
            problems.append(f"{what} {row['id']}: its content does not match its hash")
        if what == "entry" and previous is not None and row["sequence"] != previous["sequence"] + 1:
            problems.append(f"entry {row['id']}: number {previous['sequence'] + 1} is missing")
        last[row["chain"]] = row
    return problems


def verify(path: str, key: str) -> list[str]:
    """The problems found in the archive; an empty list when it verifies."""
    with zipfile.ZipFile(path) as archive:
        manifest = archive.read("manifest.json")
        signature = archive.read("manifest.sig").decode().strip()
        if not hmac.compare_digest(sign(key, manifest), signature):
            return ["the manifest's signature does not match (altered, or another key)"]
        problems = []
        files = json.loads(manifest)["files"]
        for name, digest in sorted(files.items()):
            if hashlib.sha256(archive.read(name)).hexdigest() != digest:
                problems.append(f"{name} was altered after export")
        if problems:
            return problems
        problems += _chains(json.loads(archive.read("entries.json")), "entry")
        problems += _chains(json.loads(archive.read("closings.json")), "closing")
        return problems


if __name__ == "__main__":
    found = verify(sys.argv[1], sys.argv[2])
    print("\n".join(found) or "The archive verifies: signature, files and chains intact.")
    sys.exit(1 if found else 0)
