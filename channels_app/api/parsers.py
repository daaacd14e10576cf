"""Request bodies other than JSON and forms."""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


class RawEmailParser(BaseParser):
    """`message/rfc822`: one raw email, handed to the view as the bytes that came (at most
    `SUPPORT_INBOUND_MAX_BYTES`)."""

    media_type = "message/rfc822"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        limit = settings.SUPPORT_INBOUND_MAX_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise ParseError(f"The email is larger than {limit} bytes.")
        return raw
