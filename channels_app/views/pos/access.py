"""Who may use the POS pages, and at which store."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from inventory.models import Location
from shop.errors import Conflict, DomainError, InvalidInput, NotFound
from shop.errors import PermissionDenied as NotAllowed
from shop.staff.roles import can_act_at, clerk_store, is_manager, is_staff_member

#: The store a manager acts at, chosen in the top bar.
SESSION_STORE = "pos_store"
#: The form field (POST) or query parameter (GET) naming the store a page acts at.
STORE_FIELD = "store"


def stores():
    return Location.objects.filter(kind=Location.Kind.STORE, is_active=True).order_by("name")


def _store_by_code(code: str) -> Location:
    store = stores().filter(code=code.strip()).first()
    if store is None:
        raise Http404(f"No store {code!r}.")
    return store


def ensure_at(user, location) -> None:
    """403 unless the user may act at `location` (a clerk: their own store only)."""
    if location is None or not can_act_at(user, location):
        raise PermissionDenied(
            gettext("You may not act at %(value)s.") % {"value": location or "this location"}
        )


def acting_store(request) -> Location | None:
    """The store this request acts at: the one the form or URL names (403 if the user may not
    act there), else the clerk's own store, else the manager's choice; None if not chosen."""
    code = request.POST.get(STORE_FIELD) or request.GET.get(STORE_FIELD)
    if code:
        store = _store_by_code(code)
        ensure_at(request.user, store)
        if is_manager(request.user):
            request.session[SESSION_STORE] = store.code  # the pages that follow act there too
        return store
    own = clerk_store(request.user)
    if own is not None:
        return own
    chosen = request.session.get(SESSION_STORE)
    return stores().filter(code=chosen).first() if chosen else None


def pos_view(view):
    """Login required (allauth's page), staff only (others 403), a store to act at.

    The view is called as `view(request, store, ...)`. Domain errors that escape the view
    become a message and a redirect back to where the clerk was, never a 500."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied(gettext("The till is for store staff."))
        store = acting_store(request)
        if store is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('pos:store')}?{query}")
        request.pos_store = store
        try:
            return view(request, store, *args, **kwargs)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            if request.method != "POST":
                return render(
                    request,
                    "pos/error.html",
                    {"message": error.message},
                    status=status_for(error),
                )
            messages.error(request, error.message)
            return redirect(back(request, "pos:till"))

    return wrapper


def safe_next(request, fallback: str) -> str:
    """The form's `next` field when it is a page of this site, else `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


def status_for(error: DomainError) -> int:
    """The HTTP status of a domain error, by its class (as the API maps them)."""
    for kind, status in ((InvalidInput, 400), (NotFound, 404), (Conflict, 409)):
        if isinstance(error, kind):
            return status
    return 400


def back(request, fallback: str) -> str:
    """The page the clerk came from when it is on this site, else `fallback`."""
    referer = request.headers.get("Referer")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse(fallback)


@login_required
@require_http_methods(["GET", "POST"])
def store_select(request):
    """A manager chooses the store to act at; a clerk has theirs and is sent on."""
    if not is_staff_member(request.user):
        raise PermissionDenied(gettext("The till is for store staff."))
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    if not is_manager(request.user):
        return redirect(target or "pos:till")
    if request.method == "POST":
        store = _store_by_code(request.POST.get(STORE_FIELD, ""))
        request.session[SESSION_STORE] = store.code
        messages.success(request, gettext("You are now acting at %(name)s.") % {"name": store.name})
        return redirect(target or "pos:till")
    return render(
        request,
        "pos/store_select.html",
        {"stores": stores(), "next": target, "current": request.session.get(SESSION_STORE)},
    )
