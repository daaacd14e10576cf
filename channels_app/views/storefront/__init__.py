"""The shopper's website: catalog, cart, checkout and order pages.

Each view parses its input, calls one service or selector and renders; domain errors become
messages or form errors, never a 500.
"""
