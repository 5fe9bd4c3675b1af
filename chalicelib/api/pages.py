"""Small server-rendered pages: the ``AppSupport`` page the Web Connector checks when a ``.qwc`` is added.

QBWC fetches the AppSupport URL when the application is added and needs HTTP 200 (QBWC1003/1004);
the page also helps a bookkeeper who clicks the link in the Web Connector.
"""

from __future__ import annotations

import html

_SUPPORT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>$name - QuickBooks Web Connector support</title>
<style>body{font-family:Segoe UI,Arial,sans-serif;max-width:42em;margin:2em auto;line-height:1.5}</style>
</head><body>
<h1>$name: QuickBooks Desktop connection</h1>
<p>This address is used by the QuickBooks Web Connector on the computer that hosts your company file.
It sends your application's requests to QuickBooks and their answers back.</p>
<h2>If the Web Connector shows an error</h2>
<ol>
<li>Make sure QuickBooks Desktop is open on that computer, with the right company file, and that no
dialog window is waiting for an answer.</li>
<li>In the Web Connector, tick the application and click <b>Update Selected</b>.</li>
<li>If it asks for a password, use the one shown when the connection was set up in your application.</li>
<li>Still failing? Contact your application's support team and tell them the message in the
Web Connector's Status column.</li>
</ol>
</body></html>
"""


def support_page(app_name: str) -> str:
    return _SUPPORT.replace("$name", html.escape(app_name))
