"""Gift cards and store credit: the only code that changes a stored-value balance.

Every change is one conditional UPDATE of the account row and one ledger entry, in the
caller's transaction: spending checks the balance and takes it in the same statement
(`balance >= amount`), so two tills spending the last of a card at once cannot both succeed,
and the CHECK constraint `balance >= 0` stands behind it. The balance always equals the sum of
the account's entries.

A gift card's code is made with `secrets` and shown once, when it is issued (and in its
email); only its SHA-256 and last four characters are stored.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_event_record
from shop.errors import InvalidInput
from shop.outbox.email import email_enqueue
from shop.payments.errors import GiftCardNotFound, StoredValueTooLow
from shop.payments.models import StoredValueAccount, StoredValueEntry

if TYPE_CHECKING:
    from inventory.models import Location
    from shop.orders.models import Order

Account = StoredValueAccount
Entry = StoredValueEntry
#: No 0/O or 1/I/L: a code is read aloud at the till and typed from a printed receipt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, CODE_GROUP_LENGTH = 4, 4  # 16 characters, about 79 bits
CENT = Decimal("0.01")


@dataclass(frozen=True)
class IssuedGiftCard:
    account: StoredValueAccount
    #: The full code: only here, never stored.
    code: str


def gift_card_code_new() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    groups = [chars[i : i + CODE_GROUP_LENGTH] for i in range(0, len(chars), CODE_GROUP_LENGTH)]
    return "-".join(groups)


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def gift_card_code_hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _check_amount(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidInput(gettext("An amount is a positive sum in cents."), details=["amount"])
    return amount


def _entry(
    account: StoredValueAccount,
    kind: str,
    amount: Decimal,
    *,
    channel: str,
    store: "Location | None" = None,
    order: "Order | None" = None,
    user=None,
    note: str = "",
) -> StoredValueEntry:
    return Entry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        channel=channel,
        store=store,
        order=order,
        user=user if user is not None and user.is_authenticated else None,
        note=note[:200],
    )


def _timeline(
    account: StoredValueAccount,
    kind: str,
    amount: Decimal,
    *,
    channel: str,
    store,
    order,
    customer: Customer | None,
) -> None:
    if customer is None:
        return
    customer_event_record(
        customer=customer,
        kind=kind,
        channel=channel,
        store=store,
        payload={
            "account": account.kind,
            "last4": account.last4,
            "amount": str(abs(amount)),
            "currency": account.currency,
            "order": order.number if order is not None else None,
        },
    )


# --- issuing -----------------------------------------------------------------------------------


@transaction.atomic
def gift_card_issue(
    *,
    amount: Decimal,
    channel: str,
    email: str = "",
    customer: Customer | None = None,
    store: "Location | None" = None,
    order: "Order | None" = None,
    user=None,
    expires_at: datetime | None = None,
) -> IssuedGiftCard:
    """A new card holding `amount`. With `email` its code is mailed (through the outbox, once
    this transaction commits). `order`: the sale that paid for it."""
    _check_amount(amount)
    if expires_at is None and settings.GIFT_CARD_VALID_DAYS:
        expires_at = timezone.now() + timedelta(days=settings.GIFT_CARD_VALID_DAYS)
    code = gift_card_code_new()
    account = Account.objects.create(
        kind=Account.Kind.GIFT_CARD,
        code_hash=gift_card_code_hash(code),
        last4=_normalise(code)[-4:],
        customer=customer,
        email=email,
        currency=settings.SHOP_CURRENCY,
        balance=amount,
        initial_amount=amount,
        expires_at=expires_at,
        sold_on=order,
    )
    _entry(account, Entry.Kind.ISSUE, amount, channel=channel, store=store, order=order, user=user)
    _timeline(
        account,
        CustomerEvent.Kind.STORED_VALUE_ISSUED,
        amount,
        channel=channel,
        store=store,
        order=order,
        customer=customer,
    )
    if email:
        _gift_card_email(account, code, email)
    return IssuedGiftCard(account=account, code=code)


def _gift_card_email(account: StoredValueAccount, code: str, email: str) -> None:
    expiry = f"\nValid until {account.expires_at:%Y-%m-%d}." if account.expires_at else ""
    email_enqueue(
        key=f"gift-card:{account.pk}:issued",
        to=[email],
        subject=f"Your {settings.SHOP_NAME} gift card",
        body=(
            f"Your gift card of {account.initial_amount} {account.currency}.\n\n"
            f"Code: {code}\n{expiry}\n"
            "Spend it online, at the kiosk or in any of our stores; keep the code safe: "
            "whoever has it can spend the card."
        ),
        customer_id=account.customer_id,
        about={"gift_card": account.last4},
    )


def store_credit_account(*, customer: Customer) -> StoredValueAccount:
    """The customer's store credit account, made empty on first use (under a race too)."""
    Account.objects.bulk_create(
        [
            Account(
                kind=Account.Kind.STORE_CREDIT,
                customer=customer,
                currency=settings.SHOP_CURRENCY,
                balance=Decimal("0.00"),
                initial_amount=Decimal("0.00"),
            )
        ],
        ignore_conflicts=True,
    )
    return Account.objects.get(kind=Account.Kind.STORE_CREDIT, customer=customer)


# --- looking up --------------------------------------------------------------------------------


def gift_card_by_code(code: str) -> StoredValueAccount:
    account = Account.objects.filter(
        kind=Account.Kind.GIFT_CARD, code_hash=gift_card_code_hash(code)
    ).first()
    if account is None or not _normalise(code):
        raise GiftCardNotFound()
    return account


def store_credit_balance(*, customer: Customer) -> Decimal:
    balance = (
        Account.objects.filter(kind=Account.Kind.STORE_CREDIT, customer=customer)
        .values_list("balance", flat=True)
        .first()
    )
    return balance if balance is not None else Decimal("0.00")


def stored_value_spendable(account: StoredValueAccount) -> bool:
    return account.is_active and (account.expires_at is None or account.expires_at > timezone.now())


# --- changing a balance ------------------------------------------------------------------------


def _spendable() -> Q:
    return Q(is_active=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


def stored_value_redeem(
    *,
    account: StoredValueAccount,
    amount: Decimal,
    channel: str,
    store: "Location | None" = None,
    order: "Order | None" = None,
    user=None,
) -> StoredValueEntry:
    """Takes `amount` from the balance, checked and taken in one statement: `StoredValueTooLow`
    when the balance (as it is now, whatever another till just did) is short, or the card is
    inactive or expired."""
    _check_amount(amount)
    taken = Account.objects.filter(_spendable(), pk=account.pk, balance__gte=amount).update(
        balance=F("balance") - amount
    )
    if not taken:
        account.refresh_from_db(fields=["balance", "is_active", "expires_at"])
        if not stored_value_spendable(account):
            raise StoredValueTooLow(
                gettext("%(account)s can no longer be spent.") % {"account": account},
                details=[_detail(account)],
            )
        raise StoredValueTooLow(
            gettext("%(account)s holds %(balance)s %(currency)s, less than %(amount)s.")
            % {
                "account": account,
                "balance": account.balance,
                "currency": account.currency,
                "amount": amount,
            },
            details=[_detail(account, requested=amount)],
        )
    account.balance -= amount
    entry = _entry(
        account, Entry.Kind.REDEEM, -amount, channel=channel, store=store, order=order, user=user
    )
    # On the timeline of who paid (a gift card's buyer does not see where it is spent).
    customer = order.customer if order is not None and order.customer_id else None
    if customer is None and account.kind == Account.Kind.STORE_CREDIT:
        customer = account.customer
    _timeline(
        account,
        CustomerEvent.Kind.STORED_VALUE_REDEEMED,
        amount,
        channel=channel,
        store=store,
        order=order,
        customer=customer,
    )
    return entry


def _detail(account: StoredValueAccount, requested: Decimal | None = None) -> dict:
    detail = {"method": account.kind, "last4": account.last4, "balance": str(account.balance)}
    if requested is not None:
        detail["requested"] = str(requested)
    return detail


def stored_value_credit(
    *,
    account: StoredValueAccount,
    amount: Decimal,
    channel: str,
    kind: str = Entry.Kind.REFUND,
    store: "Location | None" = None,
    order: "Order | None" = None,
    user=None,
    note: str = "",
) -> StoredValueEntry:
    """Adds `amount` back (a refund to the card or to store credit, a reversed tender, a
    manager's adjustment)."""
    _check_amount(amount)
    Account.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    account.balance += amount
    return _entry(
        account, kind, amount, channel=channel, store=store, order=order, user=user, note=note
    )


def stored_value_void(
    *,
    account: StoredValueAccount,
    kind: str,
    channel: str,
    order: "Order | None" = None,
    store: "Location | None" = None,
    user=None,
    note: str = "",
) -> Decimal:
    """Takes what is left on a card to zero and deactivates it (an expired card, a refunded
    gift-card purchase). Returns the amount removed."""
    account.refresh_from_db(fields=["balance"])
    left = account.balance
    # Conditional on the balance just read: a till spending the card meanwhile wins, and the
    # void then removes what that spend left (the loop ends once no spend interferes).
    while True:
        done = Account.objects.filter(pk=account.pk, balance=left).update(
            balance=Decimal("0.00"), is_active=False
        )
        if done:
            break
        account.refresh_from_db(fields=["balance"])
        left = account.balance
    account.balance, account.is_active = Decimal("0.00"), False
    if left:
        _entry(
            account, kind, -left, channel=channel, store=store, order=order, user=user, note=note
        )
    return left


@transaction.atomic
def stored_value_adjust(
    *, account: StoredValueAccount, amount: Decimal, channel: str, user, note: str
) -> StoredValueEntry:
    """A manager corrects a balance by a signed `amount`, with the reason."""
    if not note.strip():
        raise InvalidInput(gettext("Say why the balance is adjusted."), details=["note"])
    if amount < 0:
        taken = Account.objects.filter(pk=account.pk, balance__gte=-amount).update(
            balance=F("balance") + amount
        )
        if not taken:
            raise StoredValueTooLow(gettext("The balance cannot go below zero."))
        account.balance += amount
        return _entry(account, Entry.Kind.ADJUST, amount, channel=channel, user=user, note=note)
    return stored_value_credit(
        account=account,
        amount=amount,
        channel=channel,
        kind=Entry.Kind.ADJUST,
        user=user,
        note=note,
    )


def gift_cards_expire(*, channel: str) -> int:
    """Expired cards with a balance lose it, one ledger entry each (the beat job)."""
    expired = 0
    due = Account.objects.filter(
        kind=Account.Kind.GIFT_CARD, expires_at__lte=timezone.now(), balance__gt=0
    )
    for account in due.order_by("pk").iterator():
        with transaction.atomic():
            if stored_value_void(account=account, kind=Entry.Kind.EXPIRE, channel=channel):
                expired += 1
    return expired


def gift_cards_issue_for_order(
    *, order: "Order", channel: str, store: "Location | None" = None, user=None
) -> list[IssuedGiftCard]:
    """The gift cards an order bought (its lines of a gift-card product, one card per unit of
    the line's price), issued once the order is paid, each mailed to the order's email."""
    return [
        gift_card_issue(
            amount=line.unit_price,
            channel=channel,
            email=order.email,
            customer=order.customer if order.customer_id else None,
            store=store,
            order=order,
            user=user,
        )
        for line in order_gift_card_lines(order)
        for _ in range(line.quantity)
    ]


def order_gift_card_lines(order: "Order") -> list:
    """The order's lines that sell gift cards: from the lines in hand when the order was just
    made (`lines_in_hand`, no query), else read."""
    if "lines" in getattr(order, "_prefetched_objects_cache", {}):
        return [line for line in order.lines.all() if is_gift_card_line(line.variant)]
    return list(order.lines.filter(variant__product__is_gift_card=True).order_by("pk"))


def is_gift_card_line(variant) -> bool:
    """A line that sells a gift card: no stock moves for it. `variant` read with its product."""
    return variant.product.is_gift_card


def stored_value_merge_customers(*, source: Customer, target: Customer) -> None:
    """Two customers are one person: `source`'s gift cards become `target`'s, and its store
    credit joins `target`'s: the account's entries and payments move over with its balance,
    so the merged balance is still the sum of its entries."""
    Account.objects.filter(kind=Account.Kind.GIFT_CARD, customer=source).update(customer=target)
    moving = Account.objects.filter(kind=Account.Kind.STORE_CREDIT, customer=source).first()
    if moving is None:
        return
    kept = Account.objects.filter(kind=Account.Kind.STORE_CREDIT, customer=target).first()
    if kept is None:
        Account.objects.filter(pk=moving.pk).update(customer=target)
        return
    Entry.objects.filter(account=moving).update(account=kept)
    moving.payments.update(stored_value=kept)
    Account.objects.filter(pk=kept.pk).update(balance=F("balance") + moving.balance)
    moving.delete()


def gift_cards_void_returned(
    *,
    order: "Order",
    unit_price: Decimal,
    quantity: int,
    channel: str,
    store: "Location | None" = None,
    user=None,
) -> Decimal:
    """Gift cards bought with `order` come back (a refunded purchase): `quantity` of its cards
    of this face value, the fullest first, lose what is left on them. Returns that sum: what
    may be refunded for them (what was spent already is not)."""
    cards = Account.objects.filter(
        kind=Account.Kind.GIFT_CARD, sold_on=order, initial_amount=unit_price, is_active=True
    ).order_by("-balance", "pk")[:quantity]
    return sum(
        (
            stored_value_void(
                account=card,
                kind=Entry.Kind.ADJUST,
                channel=channel,
                order=order,
                store=store,
                user=user,
                note="The purchase was refunded.",
            )
            for card in cards
        ),
        Decimal("0.00"),
    )


def gift_cards_void_for_order(*, order: "Order", channel: str) -> Decimal:
    """An order that bought gift cards is cancelled: what is left on its cards is voided."""
    return sum(
        (
            stored_value_void(
                account=card,
                kind=Entry.Kind.ADJUST,
                channel=channel,
                order=order,
                note="The order was cancelled.",
            )
            for card in Account.objects.filter(sold_on=order, is_active=True).order_by("pk")
        ),
        Decimal("0.00"),
    )
