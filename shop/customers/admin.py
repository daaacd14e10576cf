from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from shop.admin_base import LargeTableMixin, NewestInline
from shop.channels import Channel
from shop.customers.models import Address, Customer, CustomerEvent
from shop.customers.selectors import (
    customer_duplicates,
    customer_overview,
    customer_timeline,
    timeline_kinds,
)
from shop.customers.services import customer_merge
from shop.customers.timeline import event_summary
from shop.errors import DomainError

#: Timeline entries on one page of the customer's timeline; older ones a click away.
TIMELINE_PAGE = 50
#: Newest orders and open service requests shown above the timeline.
RECENT = 10


#: Where a subject of the timeline is found in the admin (searched by its number, slug or SKU).
SUBJECT_CHANGELISTS = {
    "order": "admin:orders_order_changelist",
    "ticket": "admin:support_ticket_changelist",
    "product": "admin:catalog_product_changelist",
    "variant": "admin:catalog_variant_changelist",
}


def _subject_url(subject) -> str | None:
    if subject is None:
        return None
    if subject.type == "cart":
        return reverse("admin:carts_cart_change", args=[subject.id])
    name = SUBJECT_CHANGELISTS.get(subject.type)
    return f"{reverse(name)}?{urlencode({'q': subject.id})}" if name else None


def _query(**params) -> str:
    kept = {key: value for key, value in params.items() if value}
    return "?" + urlencode(kept) if kept else "?"


class CustomerEventInline(NewestInline):
    model = CustomerEvent
    limit = 20
    verbose_name_plural = f"latest {limit} events"
    fields = ["created_at", "kind", "summary", "channel", "store"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("store")

    @admin.display(description="What happened")
    def summary(self, obj: CustomerEvent) -> str:
        return event_summary(obj).sentence


def _changelist_of(model_label: str, **filters) -> str:
    return f"{reverse(f'admin:{model_label}_changelist')}?{urlencode(filters)}"


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    """Customers' address books; shoppers keep theirs from their account page."""

    list_display = ["customer", "name", "line1", "postcode", "city", "country"]
    list_select_related = ["customer"]
    search_fields = ["^customer__email", "^postcode"]
    raw_id_fields = ["customer"]
    ordering = ["-id"]


@admin.register(Customer)
class CustomerAdmin(LargeTableMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "email",
        "phone",
        "user",
        "marketing_consent",
        "created_at",
        "timeline_link",
    ]
    # Served by trigram indexes on PostgreSQL (UPPER(email), UPPER(name)) and the phone index.
    search_fields = ["^email", "name", "phone__startswith"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "marketing_consent_at", "timeline_link", "history"]
    inlines = [CustomerEventInline]
    actions = ["merge_into_oldest"]

    @admin.display(description="Timeline")
    def timeline_link(self, obj: Customer) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:customers_customer_timeline", args=[obj.pk])
        return format_html('<a href="{}">Timeline and overview</a>', url)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/timeline/",
                self.admin_site.admin_view(self.timeline_view),
                name="customers_customer_timeline",
            ),
            *super().get_urls(),
        ]

    def timeline_view(self, request, object_id: str):
        """What the till's customer panel shows, for managers: spend per channel, the open cart,
        recent orders of every channel, open service requests, and the whole timeline (filters
        by kind and channel, older pages by cursor). Read-only."""
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, customer):
            raise PermissionDenied
        kind = request.GET.get("kind", "")
        channel = request.GET.get("channel", "")
        try:
            page = customer_timeline(
                customer,
                kind=kind or None,
                channel=channel or None,
                cursor=request.GET.get("cursor") or None,
                limit=TIMELINE_PAGE,
                include_internal=True,
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            kind = channel = ""
            page = customer_timeline(customer, limit=TIMELINE_PAGE, include_internal=True)
        labels = dict(CustomerEvent.Kind.choices)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{customer}: overview and timeline",
            "customer": customer,
            "overview": customer_overview(customer, orders=RECENT, tickets=RECENT),
            "duplicates": customer_duplicates(customer),
            "currency": settings.SHOP_CURRENCY,
            "page": page,
            "entries": [(entry, _subject_url(entry.subject)) for entry in page.entries],
            "kind": kind,
            "channel": channel,
            "kind_filters": [
                (labels[value], _query(kind=value, channel=channel), value == kind)
                for value in timeline_kinds(include_internal=True)
            ],
            "channel_filters": [
                (label, _query(kind=kind, channel=value), value == channel)
                for value, label in Channel.choices
            ],
            "all_kinds": _query(channel=channel),
            "all_channels": _query(kind=kind),
            "newest": _query(kind=kind, channel=channel),
            "older": (
                _query(kind=kind, channel=channel, cursor=page.next_cursor)
                if page.next_cursor
                else None
            ),
        }
        return TemplateResponse(request, "admin/customers/customer/timeline.html", context)

    @admin.display(description="History")
    def history(self, customer):
        if customer.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Whole timeline</a> · <a href="{}">Orders</a> · <a href="{}">Carts</a>',
            _changelist_of("customers_customerevent", customer__id__exact=customer.pk),
            _changelist_of("orders_order", customer__id__exact=customer.pk),
            _changelist_of("carts_cart", customer__id__exact=customer.pk),
        )

    @admin.action(description="Merge the selected customers into the oldest")
    def merge_into_oldest(self, request, queryset):
        chosen = list(queryset.order_by("created_at", "pk")[:3])
        if len(chosen) != 2:
            self.message_user(request, "Select exactly two customers to merge.", messages.ERROR)
            return
        oldest, newer = chosen
        try:
            merged = customer_merge(
                source=newer, target=oldest, channel=Channel.BACKOFFICE, user=request.user
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, f"{newer} was merged into {merged}.")


@admin.register(CustomerEvent)
class CustomerEventAdmin(LargeTableMixin, admin.ModelAdmin):
    """The timeline is append-only: managers read it, services write it."""

    list_display = ["created_at", "customer", "kind", "summary", "channel", "store"]
    list_filter = [("created_at", admin.DateFieldListFilter), "kind", "channel", "store"]
    search_fields = ["^customer__email", "customer__name"]
    list_select_related = ["customer", "store"]
    readonly_fields = ["summary"]

    @admin.display(description="What happened")
    def summary(self, obj: CustomerEvent) -> str:
        return event_summary(obj).sentence

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
