"""Admin search that stays on indexes when it reaches through a relation.

Django's admin searches `customer__email` by joining the customer table and testing every
joined row. ORed with a condition on the list's own table or on another joined table, that is
served by no index, and a list of a million rows is read to the end. Here a search field through
a relation is searched in the related table first, where that table's own index serves it, and
the list's rows are then matched by key: `customer_id IN (...)` for a foreign key, or
`id IN (<the variants' product_id>)` for `variants__sku`. The foreign key's index serves that,
and it ORs with the list's own indexed conditions.

A search of several words then matches a row when all of them match its own fields, or all of
them match the same related row.
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP

#: At most this many related rows that match a search are looked for in the list.
RELATED_LIMIT = 1000

_PREFIXES = ("^", "=", "@")


def _through_relation(model, spec: str) -> tuple[str, str] | None:
    """("customer", "^email") for "^customer__email"; None for a field of `model` itself."""
    prefix = spec[0] if spec.startswith(_PREFIXES) else ""
    name, _, rest = spec.removeprefix(prefix).partition(LOOKUP_SEP)
    try:
        field = model._meta.get_field(name)
        if not (rest and (field.many_to_one or field.one_to_one or field.one_to_many)):
            return None
        field.related_model._meta.get_field(rest.split(LOOKUP_SEP)[0])
    except FieldDoesNotExist:
        return None
    return name, prefix + rest


def _by_key(field) -> tuple[str, str]:
    """The lookup on this model and the column of the related one that match rows by key."""
    if field.concrete:  # this row's foreign key
        return f"{field.name}__in", field.target_field.attname
    foreign_key = field.field  # the related rows' foreign key to this one
    return f"{foreign_key.target_field.attname}__in", foreign_key.attname


def search(
    admin_site: admin.AdminSite, request, queryset: QuerySet, search_fields, term: str
) -> tuple[QuerySet, bool]:
    """`queryset` narrowed to what `term` matches in `search_fields` (admin syntax), and
    whether rows may come twice (as `ModelAdmin.get_search_results` returns them)."""
    own: list[str] = []
    related: dict[str, list[str]] = {}
    for spec in map(str, search_fields):
        through = _through_relation(queryset.model, spec)
        if through is None:
            own.append(spec)
        else:
            related.setdefault(through[0], []).append(through[1])
    searcher = admin.ModelAdmin(queryset.model, admin_site)
    searcher.search_fields = own
    if not related:
        return searcher.get_search_results(request, queryset, term)
    found, may_have_duplicates = (
        searcher.get_search_results(request, queryset, term) if own else (queryset.none(), False)
    )
    for name, fields in related.items():
        field = queryset.model._meta.get_field(name)
        lookup, column = _by_key(field)
        rows, _ = search(
            admin_site, request, field.related_model._default_manager.all(), fields, term
        )
        keys = rows.order_by().values_list(column, flat=True)[:RELATED_LIMIT]
        found |= queryset.filter(**{lookup: list(keys)})
    return found, may_have_duplicates


class KeyedSearchMixin:
    """For a ModelAdmin whose `search_fields` reach through foreign keys: see the module."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        return search(
            self.admin_site, request, queryset, self.get_search_fields(request), search_term
        )
