from django.conf import settings

from shop.customers.models import Customer


def customer_language(customer: Customer | None) -> str:
    """The language to write to the customer in: their saved choice, else the shop's."""
    codes = {code for code, _name in settings.LANGUAGES}
    language = customer.language if customer is not None else ""
    return language if language in codes else settings.LANGUAGE_CODE


def customer_language_default(customer: Customer, language: str | None) -> None:
    """A customer without a saved language gets the one they are using now (the language of
    their first checkout), so the emails that follow are in it."""
    codes = {code for code, _name in settings.LANGUAGES}
    language = (language or "").split("-")[0]
    if customer.language or language not in codes:
        return
    Customer.objects.filter(pk=customer.pk, language="").update(language=language)
    customer.language = language
