"""Invoices as PDF (fpdf2, pure Python: no system package needed): the seller's legal details,
the invoice number (the sale's number in its journal chain), the lines, the VAT breakdown and
the payments. A copy after the first says DUPLICATE."""

from fpdf import FPDF

from shop.catalog.taxes import rate_label
from shop.journal.legal import seller_details
from shop.journal.models import ReceiptPrint
from shop.orders.models import Order
from shop.orders.taxes import order_tax_lines
from shop.payments.models import Payment

#: The PDF core fonts speak Latin-1: what else a name may hold is written the nearest way.
_PLAIN = str.maketrans({"—": "-", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "€": "EUR"})


def _text(value) -> str:
    return str(value).translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _Invoice(FPDF):
    def row(self, cells: list[tuple[str, int, str]], *, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", 9)
        for text, width, align in cells:
            self.cell(width, 6, _text(text), align=align)
        self.ln(6)


def invoice_pdf(*, order: Order, printed: ReceiptPrint) -> bytes:
    """The order's invoice; `printed` (from `receipt_print`) gives its number and copy."""
    seller = seller_details()
    pdf = _Invoice(format="A4")
    pdf.set_title(_text(f"Invoice {printed.entry.number}"))
    pdf.set_author(_text(seller["name"]))
    pdf.add_page()
    if printed.is_duplicate:
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, _text(f"DUPLICATE - copy {printed.copy}"), border=1, align="C")
        pdf.ln(12)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 8, _text(seller["name"]))
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 9)
    for line in (seller["address"], seller["registration"], f"VAT no. {seller['vat_number']}"):
        pdf.cell(0, 5, _text(line))
        pdf.ln(5)
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, _text(f"Invoice {printed.entry.number}"))
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 9)
    facts = [
        f"Date: {printed.entry.created_at:%d/%m/%Y %H:%M}",
        f"Order: {order.number}",
        f"Customer: {order.email or (order.customer.email if order.customer else '-')}",
    ]
    address = order.shipping_address
    if address:
        facts.append(
            "Deliver to: "
            + ", ".join(
                str(address.get(k, "")) for k in ("name", "line1", "postcode", "city", "country")
            )
        )
    for fact in facts:
        pdf.cell(0, 5, _text(fact))
        pdf.ln(5)
    pdf.ln(4)
    cur = order.currency
    pdf.row(
        [
            ("Item", 80, "L"),
            ("Qty", 15, "R"),
            ("Unit", 25, "R"),
            ("VAT", 20, "R"),
            ("Total", 30, "R"),
        ],
        bold=True,
    )
    for line in order.lines.all():
        pdf.row(
            [
                (f"{line.name} ({line.sku})"[:48], 80, "L"),
                (line.quantity, 15, "R"),
                (line.unit_price, 25, "R"),
                (f"{rate_label(line.tax_rate)} %", 20, "R"),
                (line.line_total, 30, "R"),
            ]
        )
        if line.discount:
            pdf.row([("  discount", 80, "L"), ("", 60, "R"), (f"-{line.discount}", 30, "R")])
    if order.shipping_price:
        pdf.row(
            [
                (f"Delivery: {order.shipping_method_name}"[:48], 120, "L"),
                (f"{rate_label(order.shipping_tax_rate)} %", 20, "R"),
                (order.shipping_price, 30, "R"),
            ]
        )
    pdf.ln(2)
    pdf.row([("Total", 140, "R"), (f"{order.total} {cur}", 30, "R")], bold=True)
    pdf.ln(4)
    pdf.row(
        [("VAT rate", 50, "L"), ("Net", 40, "R"), ("VAT", 40, "R"), ("Gross", 40, "R")], bold=True
    )
    for tax in order_tax_lines(order):
        pdf.row(
            [
                (f"{rate_label(tax.rate)} %", 50, "L"),
                (tax.net, 40, "R"),
                (tax.tax, 40, "R"),
                (tax.gross, 40, "R"),
            ]
        )
    pdf.ln(4)
    pdf.row([("Payments", 170, "L")], bold=True)
    for payment in order.payments.all():
        if payment.status == Payment.Status.DECLINED:
            continue
        pdf.row(
            [
                (
                    f"{payment.get_method_display()} ({payment.get_status_display().lower()})",
                    140,
                    "L",
                ),
                (f"{payment.amount} {cur}", 30, "R"),
            ]
        )
    return bytes(pdf.output())
