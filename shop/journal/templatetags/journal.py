from django import template

from shop.catalog.taxes import rate_label

register = template.Library()


@register.filter
def z_sections(closing) -> list[tuple[str, dict]]:
    """The two halves of a Z report: the period's totals and the cumulative ones."""
    return [("Period", closing.content["totals"]), ("Cumulative", closing.content["cumulative"])]


register.filter("vat_rate", rate_label)
