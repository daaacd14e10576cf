"""A month's sales journal as a signed archive that verifies offline (`offline_verify`)."""

import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from shop.journal import offline_verify
from shop.journal.closings import _bounds, period_of
from shop.journal.legal import seller_details
from shop.journal.models import Closing, JournalEntry


def signing_key() -> str:
    return settings.SALES_JOURNAL_SIGNING_KEY or settings.SECRET_KEY


def _rows(queryset) -> list[dict]:
    rows = []
    for row in queryset.select_related("chain").iterator(chunk_size=1000):
        item = {
            "id": row.pk,
            "chain": row.chain.key,
            "previous_hash": row.previous_hash,
            "hash": row.hash,
            "content": row.content,
        }
        if isinstance(row, JournalEntry):
            item["sequence"] = row.sequence
        rows.append(item)
    return rows


def archive_build(*, month: date, key: str | None = None) -> bytes:
    """The entries made in `month` and the closings of the periods ending in it, with a manifest
    of their SHA-256 signed by HMAC-SHA256 under the journal's signing key."""
    start, end = period_of(Closing.Period.MONTH, month)
    lower, upper = _bounds(start, end)
    files = {
        "entries.json": json.dumps(
            _rows(
                JournalEntry.objects.filter(created_at__gte=lower, created_at__lt=upper).order_by(
                    "chain__key", "sequence"
                )
            ),
            indent=1,
        ).encode(),
        "closings.json": json.dumps(
            _rows(
                Closing.objects.filter(period_end__gte=start, period_end__lte=end).order_by(
                    "chain__key", "created_at", "id"
                )
            ),
            indent=1,
        ).encode(),
        "verify.py": Path(offline_verify.__file__).read_bytes(),
    }
    manifest = json.dumps(
        {
            "period": f"{start:%Y-%m}",
            "from": start.isoformat(),
            "to": end.isoformat(),
            "exported_at": timezone.now().isoformat(),
            "seller": seller_details(),
            "signature": "HMAC-SHA256 of this file, hex, in manifest.sig",
            "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        },
        indent=1,
        sort_keys=True,
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", manifest)
        archive.writestr("manifest.sig", offline_verify.sign(key or signing_key(), manifest))
    return buffer.getvalue()


def archive_verify(path: str, *, key: str | None = None) -> list[str]:
    return offline_verify.verify(path, key or signing_key())
