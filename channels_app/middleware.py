"""Request guards that run before any view."""

from django.http import HttpResponseBadRequest, JsonResponse

from channels_app.api.errors import error_body
from channels_app.input_guard import InvalidCharacters, has_invalid_characters

API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _request_places(request) -> list[str]:
    places = ["path"] if has_invalid_characters(request.path_info) else []
    params = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        params.append(request.POST)
    for query in params:
        for key, values in query.lists():
            if has_invalid_characters(key) or any(map(has_invalid_characters, values)):
                places.append(key.encode("unicode_escape").decode("ascii"))
    return places


class InputGuardMiddleware:
    """Answers 400 to a request whose path, query string or form carries a character that is
    not allowed: the error body on the API, a plain 400 on pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        places = _request_places(request)
        if not places:
            return self.get_response(request)
        error = InvalidCharacters(details=places)
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(error_body(error.code, error.message, error.details), status=400)
        return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
