from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from channels_app.credentials import credential_create, credential_revoke
from channels_app.feeds.snapshots import feed_build
from channels_app.models import ChannelCredential, FeedSnapshot, IdempotencyKey, MarketplaceOrder
from shop.admin_base import LargeTableMixin


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(LargeTableMixin, admin.ModelAdmin):
    """Read-only: which client requests were answered once and replayed after."""

    list_display = ["created_at", "scope", "key", "state"]
    list_filter = ["state"]
    # The leading column of the (scope, key) unique index.
    search_fields = ["scope__exact"]
    search_help_text = "Whose keys: user:<id> or session:<key>."

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


#: Lines of a feed's validation report shown on its admin page.
REPORT_LINES = 500


@admin.register(FeedSnapshot)
class FeedSnapshotAdmin(admin.ModelAdmin):
    """The last build of each product feed and its validation report."""

    list_display = ["name", "items", "left_out", "built_at", "build_seconds"]
    fields = ["name", "items", "built_at", "build_seconds", "etag", "validation_report"]
    readonly_fields = fields
    actions = ["rebuild"]

    @admin.display(description="Validation report")
    def validation_report(self, snapshot: FeedSnapshot) -> str:
        if not snapshot.report:
            return "Every item passed."
        shown = snapshot.report[:REPORT_LINES]
        lines = format_html_join(
            mark_safe("<br>"), "{}: {}", ((r["id"], r["problem"]) for r in shown)
        )
        more = len(snapshot.report) - len(shown)
        return format_html("{}<br>… and {} more", lines, more) if more else lines

    @admin.action(description="Rebuild the selected feeds now")
    def rebuild(self, request, queryset) -> None:
        for snapshot in queryset:
            feed_build(name=snapshot.name)
        self.message_user(request, f"Rebuilt {queryset.count()} feed(s).")

    def get_queryset(self, request):
        """Never the feed itself; the list not even the report (megabytes each at scale)."""
        queryset = super().get_queryset(request).defer("content")
        match = request.resolver_match
        if match is not None and match.url_name.endswith("_changelist"):
            queryset = queryset.defer("report")
        return queryset

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CredentialForm(forms.ModelForm):
    class Meta:
        model = ChannelCredential
        fields = ["kind", "name", "store"]


@admin.register(ChannelCredential)
class ChannelCredentialAdmin(admin.ModelAdmin):
    """Marketplace integrations' and kiosk devices' tokens: created here (the token is shown
    once, on the next page), revoked by an action."""

    list_display = ["name", "kind", "store", "last4", "created_at", "created_by", "revoked_at"]
    list_filter = ["kind", "revoked_at"]
    list_select_related = ["store", "created_by"]
    form = CredentialForm
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "name", "store", "last4", "created_at", "revoked_at"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        credential, token = credential_create(
            kind=obj.kind, name=obj.name, store=obj.store, created_by=request.user
        )
        obj.pk = credential.pk
        messages.warning(
            request,
            format_html(
                "Token for {}: <code>{}</code> — copy it now, it is not shown again.",
                credential.name,
                token,
            ),
        )

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset) -> None:
        for credential in queryset:
            credential_revoke(credential=credential)
        self.message_user(request, f"Revoked {queryset.count()} token(s).")


@admin.register(MarketplaceOrder)
class MarketplaceOrderAdmin(LargeTableMixin, admin.ModelAdmin):
    list_display = ["created_at", "marketplace", "external_id", "order"]
    list_filter = ["marketplace"]
    list_select_related = ["order"]
    search_fields = ["external_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
