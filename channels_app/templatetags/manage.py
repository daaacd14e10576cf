"""Filters of the manager dashboard."""

from decimal import Decimal

from django import template
from django.utils.html import json_script

from channels_app.formatting import format_money

register = template.Library()


@register.filter
def cell(row: dict, column) -> str:
    """A table cell as the dashboard shows it: amounts in the shop currency, shares in %."""
    value = row.get(column.key)
    if column.kind == "money":
        return format_money(value)
    if column.kind == "percent":
        return "—" if value is None else f"{value} %"
    return "" if value is None else str(value)


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)  # for drawing only: tables and CSV keep the exact decimals
    return value


@register.simple_tag
def chart_data(table, element_id: str):
    """The table as JSON for the chart script: its columns and rows."""
    data = {
        "columns": [{"key": c.key, "title": c.title, "kind": c.kind} for c in table.columns],
        "rows": [{key: _plain(value) for key, value in row.items()} for row in table.rows],
    }
    return json_script(data, element_id)
