from django.utils.translation import gettext_lazy

from shop.errors import Conflict, InvalidInput, NotFound


class CustomerNotFound(NotFound):
    code = "not_found"
    default_message = gettext_lazy("No such customer.")


class InvalidMerge(InvalidInput):
    code = "invalid_merge"
    default_message = gettext_lazy("These customers cannot be merged.")


class MergeConflict(Conflict):
    """Both customers have a sign-in account: merging would take one person's account away."""

    code = "customers_both_have_accounts"
    default_message = gettext_lazy("Both customers have an account; they cannot be merged.")


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"
    default_message = gettext_lazy("The cursor is not valid; start again from the first page.")
