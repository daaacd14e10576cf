from django import template

register = template.Library()


@register.filter
def z_sections(closing) -> list[tuple[str, dict]]:
    """The two halves of a Z report: the period's totals and the cumulative ones."""
    return [("Period", closing.content["totals"]), ("Cumulative", closing.content["cumulative"])]


@register.filter
def vat_rate(rate) -> str:
    """A VAT rate as people write it: 20, 5.5, 2.1."""
    text = str(rate)
    return text.rstrip("0").rstrip(".") if "." in text else text
