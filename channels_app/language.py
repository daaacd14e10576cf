"""Which language a request is served in: the switcher's choice (a cookie), else a signed-in
customer's saved language (put in the session at sign-in, so no query per request), else the
browser's Accept-Language (Django's LocaleMiddleware), else English."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseNotAllowed
from django.utils import translation
from django.views.i18n import set_language

from shop.customers.models import Customer
from shop.customers.services import customer_for_user
from shop.staff.roles import is_staff_member

SESSION_LANGUAGE = "customer_language"


def supported(language: str | None) -> str | None:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else None


def customer_language_middleware(get_response):
    def middleware(request):
        session = getattr(request, "session", None)
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and session is not None:
            language = supported(session.get(SESSION_LANGUAGE))
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return get_response(request)

    return middleware


def customer_language_save(customer: Customer | None, language: str) -> None:
    """Keeps the customer's choice for their emails and next visits."""
    if customer is not None and supported(language) and customer.language != language:
        Customer.objects.filter(pk=customer.pk).update(language=language)
        customer.language = language


def language_set(request):
    """The switcher: sets the language cookie (Django's `set_language`) and, for a signed-in
    shopper, saves the choice on the customer."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    response = set_language(request)
    language = supported(request.POST.get("language"))
    if language:
        request.session[SESSION_LANGUAGE] = language
        user = request.user
        if user.is_authenticated and not is_staff_member(user):
            customer_language_save(customer_for_user(user), language)
    return response


@receiver(user_logged_in)
def remember_language_on_sign_in(sender, request, user, **kwargs):
    """A customer's saved language follows them to any device they sign in on."""
    if request is None or is_staff_member(user):
        return
    customer = getattr(user, "customer", None)  # none yet: a RelatedObjectDoesNotExist
    language = supported(customer.language) if customer is not None else None
    if language:
        request.session[SESSION_LANGUAGE] = language
