"""Admin pieces shared by the apps."""

from collections.abc import Callable, Iterable

from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from shop.admin_paging import EstimatedCountPaginator
from shop.admin_search import KeyedSearchMixin


class ReadOnly:
    """For rows only the services write (stock, ledger, till sessions, returns): managers read
    them in the admin and change them through actions that call the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """A model only services write, read in the admin."""


class LargeTableMixin(KeyedSearchMixin):
    """For the lists of tables that grow without bound (orders, the ledger, the timeline): a
    list is counted exactly only up to a limit and estimated beyond (`shop.admin_paging`), the
    whole table is never counted a second time, and a search through a foreign key looks in the
    related table first (`shop.admin_search`).

    Such a list keeps a page's cost flat only with more: search fields that an index serves
    (exact, `^` prefix, or a name under a trigram index), an ordering an index serves, and no
    `date_hierarchy` (it reads the date of every row; a `DateFieldListFilter` on an indexed date
    filters by range instead)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


def values_filter(
    field: str, title: str, values: Callable[[], Iterable[str]]
) -> type[admin.SimpleListFilter]:
    """A list filter on a field without choices that offers `values()`. Django's own filter for
    such a field finds the values with SELECT DISTINCT over the whole table."""

    class ValuesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return [(value, value) for value in values()]

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    ValuesFilter.title = title
    return ValuesFilter


class NewestFormSet(BaseInlineFormSet):
    #: How many rows, newest first by the inline's ordering; set by `NewestInline`.
    limit = 20

    def get_queryset(self):
        if not hasattr(self, "_newest"):
            self._newest = super().get_queryset()[: self.limit]
        return self._newest


class NewestInline(ReadOnly, admin.TabularInline):
    """A read-only inline of the newest `limit` rows only, for children that pile up (a
    customer's timeline): the parent's page costs the same with thirty of them or thirty
    thousand. The parent's admin links to the full, filtered list."""

    formset = NewestFormSet
    limit = 20
    extra = 0
    can_delete = False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.limit = self.limit
        return formset
