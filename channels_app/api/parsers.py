"""The API's request parsers: JSON bodies that must be objects, and raw emails."""

from django.conf import settings
from django.utils.translation import gettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser

from channels_app.input_guard import InvalidBody, InvalidCharacters, invalid_places


class JSONObjectParser(JSONParser):
    """Refuses, before any view sees it, a body that is not an object (a list, a string, a
    number, null) and any string or key holding a character a lookup cannot take."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise InvalidBody(
                gettext("The request body must be a JSON object, not %(json_type)s.")
                % {"json_type": _json_type(data)}
            )
        if places := list(invalid_places(data)):
            raise InvalidCharacters(details=places)
        return data


def _json_type(data: object) -> str:
    if data is None:
        return "null"
    return {list: "an array", str: "a string", bool: "a boolean"}.get(type(data), "a number")


class RawEmailParser(BaseParser):
    """`message/rfc822`: one raw email, handed to the view as the bytes that came (at most
    `SUPPORT_INBOUND_MAX_BYTES`)."""

    media_type = "message/rfc822"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        limit = settings.SUPPORT_INBOUND_MAX_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise ParseError(
                gettext("The email is larger than %(limit)s bytes.") % {"limit": limit}
            )
        return raw
