"""The clerk's pages at the counter: the till, the pickup desk, returns and the cash drawer.

The HTML twin of `channels_app.api.views.pos`. Each view parses its input, calls one service
or selector and renders; domain errors become messages, never a 500. Clerks act at their own
store only; a manager picks the store to act at (kept in the session).
"""
