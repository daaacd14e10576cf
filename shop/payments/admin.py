from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from shop.admin_base import LargeTableMixin, NewestInline, ReadOnlyAdmin
from shop.channels import Channel
from shop.customers.services import customer_get_or_create
from shop.errors import DomainError
from shop.payments.models import CashDrawerSession, Payment, StoredValueAccount, StoredValueEntry
from shop.payments.services import refund_retry
from shop.payments.stored_value import gift_card_issue, stored_value_adjust
from shop.staff.roles import is_manager


@admin.register(Payment)
class PaymentAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["created_at", "order", "method", "status", "amount", "channel", "store"]
    list_filter = ["method", "status", "channel", "store"]
    # UPPER(reference) has a prefix index on PostgreSQL.
    search_fields = ["^order__number", "^reference"]
    list_select_related = ["order", "store"]
    # Newest first by key: no index on created_at.
    ordering = ["-id"]
    actions = ["retry_refunds"]

    @admin.action(description="Ask the gateway again for refused refunds")
    def retry_refunds(self, request, queryset):
        retried = 0
        for refund in queryset.filter(status=Payment.Status.REFUND_FAILED):
            try:
                refund_retry(refund=refund)
                retried += 1
            except DomainError as exc:
                self.message_user(request, f"{refund}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{retried} refund(s) sent to the gateway again.")


@admin.register(CashDrawerSession)
class CashDrawerSessionAdmin(ReadOnlyAdmin):
    """One row per till and day: a small table, so its date hierarchy stays."""

    list_display = [
        "store",
        "opened_by",
        "opened_at",
        "opening_float",
        "closed_at",
        "expected_cash",
        "counted_cash",
        "difference",
    ]
    list_filter = ["store", ("closed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["store", "opened_by"]
    date_hierarchy = "opened_at"


class StoredValueEntryInline(NewestInline):
    model = StoredValueEntry
    fields = ["created_at", "kind", "amount", "channel", "store", "order", "user", "note"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0


class GiftCardIssueForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=settings.GIFT_CARD_MIN,
        max_value=settings.GIFT_CARD_MAX,
    )
    email = forms.EmailField(required=False, help_text="The code is emailed there too.")
    expires_at = forms.DateTimeField(required=False, help_text="Empty: the shop's default.")


class StoredValueAdjustForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, help_text="Signed: negative takes from the balance."
    )
    note = forms.CharField(max_length=200, help_text="Why the balance changes.")


@admin.register(StoredValueAccount)
class StoredValueAccountAdmin(LargeTableMixin, ReadOnlyAdmin):
    """Gift cards and store credit. Managers issue cards from here ("Issue a gift card", the
    code shown once) and correct a balance with a reason; every change is a ledger entry."""

    list_display = [
        "__str__",
        "kind",
        "customer",
        "balance",
        "currency",
        "expires_at",
        "is_active",
        "created_at",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["=last4", "^customer__email"]
    list_select_related = ["customer"]
    ordering = ["-id"]
    fields = [
        "kind",
        "last4",
        "customer",
        "email",
        "balance",
        "initial_amount",
        "currency",
        "expires_at",
        "is_active",
        "sold_on",
        "created_at",
        "adjust_link",
    ]
    readonly_fields = fields
    inlines = [StoredValueEntryInline]
    change_list_template = "admin/payments/storedvalueaccount/change_list.html"

    @admin.display(description="Correct the balance")
    def adjust_link(self, obj: StoredValueAccount) -> str:
        url = reverse("admin:payments_storedvalueaccount_adjust", args=[obj.pk])
        return format_html('<a href="{}">Adjust with a reason</a>', url)

    def get_urls(self):
        return [
            path(
                "issue/",
                self.admin_site.admin_view(self.issue_view),
                name="payments_storedvalueaccount_issue",
            ),
            path(
                "<path:object_id>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="payments_storedvalueaccount_adjust",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, title: str, form, **extra) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/payments/storedvalueaccount/form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "form": form,
                **extra,
            },
        )

    def issue_view(self, request):
        if not is_manager(request.user):
            raise PermissionDenied
        form = GiftCardIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            email = form.cleaned_data["email"]
            issued = gift_card_issue(
                amount=form.cleaned_data["amount"],
                channel=Channel.BACKOFFICE,
                email=email,
                customer=customer_get_or_create(email=email) if email else None,
                user=request.user,
                expires_at=form.cleaned_data["expires_at"],
            )
            # The code is on this page only: it is not stored and not put in a message.
            return self._page(request, "Gift card issued", None, issued=issued)
        return self._page(request, "Issue a gift card", form)

    def adjust_view(self, request, object_id: str):
        account = self.get_object(request, unquote(object_id))
        if account is None or not is_manager(request.user):
            raise PermissionDenied
        form = StoredValueAdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                stored_value_adjust(
                    account=account,
                    amount=form.cleaned_data["amount"],
                    channel=Channel.BACKOFFICE,
                    user=request.user,
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                form.add_error("amount", exc.message)
            else:
                self.message_user(request, f"{account}: balance adjusted.")
                return redirect("admin:payments_storedvalueaccount_change", account.pk)
        return self._page(request, f"Adjust {account}", form, account=account)


@admin.register(StoredValueEntry)
class StoredValueEntryAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["created_at", "account", "kind", "amount", "channel", "store", "order"]
    list_filter = ["kind", "channel"]
    search_fields = ["=account__last4", "^order__number"]
    list_select_related = ["account", "store", "order"]
    ordering = ["-id"]
