"""Characters no input may carry, refused at the edge before any view looks anything up.

A NUL byte cannot be stored or compared in a PostgreSQL text column (psycopg raises, so a
lookup by such a string was a 500), and an unpaired UTF-16 surrogate (which JSON can encode as
`"\\ud800"`) cannot be encoded as UTF-8. The same check guards every way input comes in:
`channels_app.middleware.InputGuardMiddleware` the paths, query strings and form fields of
every request (pages and API), and `channels_app.api.parsers.JSONObjectParser` every string
and key of a JSON body.
"""

import re
from collections.abc import Iterator

from shop.errors import InvalidInput

_NOT_ALLOWED = re.compile("[\x00\ud800-\udfff]")


class InvalidCharacters(InvalidInput):
    """`details` names where: `"path"`, a parameter or form field, or a JSON path."""

    code = "invalid_characters"
    default_message = (
        "The request contains a character that is not allowed "
        "(a NUL byte or an unpaired surrogate)."
    )


class InvalidBody(InvalidInput):
    code = "invalid_body"
    default_message = "The request body must be a JSON object."


def has_invalid_characters(text: str) -> bool:
    return _NOT_ALLOWED.search(text) is not None


def invalid_places(data: object, where: str = "") -> Iterator[str]:
    """Where a parsed JSON value holds a string (or an object key) with a character that is
    not allowed, e.g. `lines[0].sku`."""
    if isinstance(data, str):
        if has_invalid_characters(data):
            yield where or "body"
    elif isinstance(data, dict):
        for key, value in data.items():
            place = f"{where}.{key}" if where else str(key)
            if has_invalid_characters(str(key)):
                yield place.encode("unicode_escape").decode("ascii")
            else:
                yield from invalid_places(value, place)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from invalid_places(value, f"{where}[{index}]")
