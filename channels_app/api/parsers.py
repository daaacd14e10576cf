"""The API's JSON parser: every body the contract defines is a JSON object."""

from rest_framework.parsers import JSONParser

from channels_app.input_guard import InvalidBody, InvalidCharacters, invalid_places


class JSONObjectParser(JSONParser):
    """Refuses, before any view sees it, a body that is not an object (a list, a string, a
    number, null) and any string or key holding a character a lookup cannot take."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise InvalidBody(f"The request body must be a JSON object, not {_json_type(data)}.")
        if places := list(invalid_places(data)):
            raise InvalidCharacters(details=places)
        return data


def _json_type(data: object) -> str:
    if data is None:
        return "null"
    return {list: "an array", str: "a string", bool: "a boolean"}.get(type(data), "a number")
