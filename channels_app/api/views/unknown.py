"""Any path under /api/ that names no endpoint: the JSON error body, whatever the method."""

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from channels_app.api.errors import error_body


def _slash_missing(path_info: str) -> bool:
    """Whether the path names an endpoint but for its trailing slash."""
    if path_info.endswith("/"):
        return False
    try:
        return resolve(path_info + "/").func is not unknown_path
    except Resolver404:
        return False


@csrf_exempt  # nothing is done here: a POST gets the same 404 as a GET
def unknown_path(request, *args, **kwargs):
    message = f"No API endpoint at {request.path}."
    if _slash_missing(request.path_info):
        message += f" Did you mean {request.path}/?"
    return JsonResponse(error_body("not_found", message), status=404)
