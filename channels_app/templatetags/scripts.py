"""`{% js_catalogue %}`: the script tag of the scripts' translations in the page's language."""

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import format_html

from channels_app.js_catalogue import catalogue_url
from channels_app.language import supported

register = template.Library()


@register.simple_tag
def js_catalogue():
    """Deferred, so it never holds the page up; put it before the scripts that use it (deferred
    scripts run in their order)."""
    language = supported(translation.get_language()) or settings.LANGUAGE_CODE
    return format_html('<script src="{}" defer></script>', catalogue_url(language))
