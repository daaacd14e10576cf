from shop.errors import Conflict, InvalidInput, NotFound


class CustomerNotFound(NotFound):
    code = "not_found"
    default_message = "No such customer."


class InvalidMerge(InvalidInput):
    code = "invalid_merge"
    default_message = "These customers cannot be merged."


class MergeConflict(Conflict):
    """Both customers have a sign-in account: merging would take one person's account away."""

    code = "customers_both_have_accounts"
    default_message = "Both customers have an account; they cannot be merged."


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"
    default_message = "The cursor is not valid; start again from the first page."
