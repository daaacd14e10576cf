"""Canonical content and hashes: the same bytes whoever computes them, also offline (the
export's verifier uses only this module and the standard library)."""

import hashlib
import json


def canonical(content: dict) -> bytes:
    """JSON with sorted keys, no spaces, UTF-8; amounts are already decimal strings."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(previous_hash: str, content: dict) -> str:
    """SHA-256 over the previous hash and this content."""
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical(content)).hexdigest()
