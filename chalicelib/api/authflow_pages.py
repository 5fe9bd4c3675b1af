"""The auth-flow pages, rendered on the server: the connect page, and the expired / not-found pages.

They must work in the browsers of office Windows machines, so there is no framework and no build:
plain HTML and CSS, and one small script in ES5 (``var``, ``XMLHttpRequest``, no arrow functions) that
polls the status route and updates the progress box with ``textContent`` (never ``innerHTML``). Without
the script the page still reads top to bottom; its progress box shows the state at render time and a
"Check again" link reloads it.

Every value that comes from outside — the company name the SaaS gave, the company name QuickBooks
reported, error messages, URLs — goes through :func:`html.escape`. The page shows one end-user only:
the link's. Responses carry ``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer`` (the
token is in the URL) and a Content-Security-Policy whose script nonce is drawn per response.
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Callable
from datetime import datetime

from chalice.app import Response

from chalicelib.api.authflow import CONNECTED, FAILED, STEP_TITLES, AuthFlowService, Progress
from chalicelib.api.http import json_response
from chalicelib.errors import GatewayError

log = logging.getLogger(__name__)

_STYLE = """
body{font-family:"Segoe UI",Tahoma,Arial,sans-serif;max-width:46em;margin:1.5em auto;padding:0 1em;
line-height:1.5;color:#1b1b1b}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.15em;margin:0 0 .3em}
ol.steps{list-style:none;padding:0}ol.steps>li{border:1px solid #ccc;border-radius:6px;padding:.8em 1em;
margin:.8em 0}ol.steps>li.repeat{border:3px solid #b00020;background:#fff5f5}
.why{color:#444;font-size:.95em}.button{display:inline-block;background:#0b5cad;color:#fff;padding:.5em 1em;
border-radius:4px;text-decoration:none;border:0;font-size:1em;cursor:pointer}
.password{font-family:Consolas,"Courier New",monospace;font-size:1.3em;letter-spacing:.05em;padding:.3em;
width:13em;border:1px solid #888}
#progress{padding:.8em 1em;border-radius:6px;background:#f3f6fa;border:1px solid #9fb3c8}
#progress.connected{background:#eefaf0;border-color:#2e7d32}#progress.failed{background:#fff5f5;
border-color:#b00020}.hide{display:none}.muted{color:#555}
"""

_SCRIPT = """
(function () {
  var box = document.getElementById('progress');
  if (!box || !window.XMLHttpRequest) { return; }
  var statusUrl = box.getAttribute('data-status-url');
  var hadFailure = box.getAttribute('data-state') === 'failed';
  function el(id) { return document.getElementById(id); }
  function setText(id, text) { var e = el(id); if (e) { e.textContent = text || ''; } }
  function show(id, visible) {
    var e = el(id); if (!e) { return; }
    e.className = e.className.replace(/\\s*\\bhide\\b/g, '') + (visible ? '' : ' hide');
  }
  function render(data) {
    box.setAttribute('data-state', data.state);
    box.className = data.state;
    if (data.state !== 'waiting') {  // while checking again, the step to repeat stays marked
      var items = document.getElementsByTagName('li');
      for (var i = 0; i < items.length; i++) {
        if (items[i].id && items[i].id.indexOf('step-') === 0) {
          items[i].className = (data.state === 'failed' && items[i].id === 'step-' + data.step) ? 'repeat' : '';
        }
      }
    }
    if (data.state === 'connected') {
      setText('state-text', 'Connected');
      setText('company', data.company_name || '');
      show('connected-detail', true); show('failure', false); show('check-again', false);
      show('password-block', false); show('redirect-block', true);
      return;
    }
    if (data.state === 'failed') {
      hadFailure = true;
      setText('state-text', 'The connection did not work yet');
      setText('failure-message', data.user_facing_message);
      setText('failure-step', 'Repeat step ' + data.step + ': ' + (data.step_title || '') + '.');
      show('failure', true);
      return;
    }
    var waiting = 'Waiting for the Web Connector…';
    if (data.phase === 'quickbooks') {
      waiting = hadFailure ? 'Checking again that QuickBooks answers…'
                           : 'The Web Connector called. Checking that QuickBooks answers…';
    }
    setText('state-text', waiting);
    show('failure', hadFailure);
  }
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', statusUrl + '?t=' + new Date().getTime(), true);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      if (xhr.status === 404 || xhr.status === 410) { window.location.reload(); return; }
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (data && data.state) { render(data); }
      if (!data || data.state !== 'connected') { setTimeout(poll, 2000); }
    };
    xhr.send(null);
  }
  var copy = el('copy-password');
  if (copy) {
    copy.className = copy.className.replace(/\\s*\\bhide\\b/g, '');
    copy.onclick = function () {
      var input = el('password');
      var done = function () { setText('copy-result', 'Copied.'); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
      } else {
        input.focus(); input.select();
        try { if (document.execCommand('copy')) { done(); } } catch (e) { /* the text stays selected */ }
      }
      return false;
    };
  }
  if (box.getAttribute('data-state') !== 'connected') { setTimeout(poll, 1000); }
})();
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def html_response(status: int, body: str, *, nonce: str | None = None) -> Response:
    script = f"'nonce-{nonce}'" if nonce else "'none'"
    return Response(body=body, status_code=status, headers={
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": f"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; "
                                   "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
                                   "frame-ancestors 'none'",
    })


def _head(title: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="X-UA-Compatible" content="IE=edge">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex, nofollow"><title>{_e(title)}</title>'
            f"<style>{_STYLE}</style></head>")


def _step(number: int, body: str, progress: Progress) -> str:
    repeat = progress.state == FAILED and progress.step == number
    mark = ' class="repeat"' if repeat else ""
    return f'<li id="step-{number}"{mark}><h2>{number}. {_e(STEP_TITLES[number])}</h2>{body}</li>'


def connect_page(*, app_name: str, company_name: str, page_url: str, password: str | None,
                 progress: Progress, redirect_url: str | None, expires_at: str) -> tuple[str, str]:
    """The connect page and the nonce of its script (for the Content-Security-Policy header)."""
    nonce = secrets.token_urlsafe(16)
    app, company = _e(app_name), _e(company_name)
    connected = progress.state == CONNECTED
    failed = progress.state == FAILED
    if connected:
        state_text = "Connected"
    elif failed:
        state_text = "The connection did not work yet"
    elif progress.phase == "quickbooks":
        state_text = "The Web Connector called. Checking that QuickBooks answers…"
    else:
        state_text = "Waiting for the Web Connector…"
    hide, shown = ' class="hide"', ""
    if_connected, unless_connected = (shown, hide) if connected else (hide, shown)
    if_failed = shown if failed else hide
    repeat_text = f"Repeat step {progress.step}: {STEP_TITLES[progress.step]}." if failed and progress.step else ""
    password_block = "" if password is None else f"""
<div id="password-block"{unless_connected}>
<p>Password for the Web Connector:</p>
<p><input id="password" class="password" type="text" readonly value="{_e(password)}" aria-label="Password">
<button id="copy-password" class="button hide" type="button">Copy password</button>
<span id="copy-result" class="muted" aria-live="polite"></span></p>
</div>"""
    redirect = (f'<p><a id="redirect" class="button" href="{_e(redirect_url)}">Return to {app}</a></p>'
                if redirect_url else '<p id="redirect">You can close this page.</p>')
    steps = "".join([
        _step(1, f"""<p>Open this page on the Windows computer that keeps the company file of <b>{company}</b>:
the office server that stays on, or the hosted (remote) desktop where QuickBooks runs.</p>
<p class="why">Why: the QuickBooks Web Connector you are about to set up runs on this computer and
talks to QuickBooks on it. {app} can only reach your books while this computer is switched on,
so a personal laptop that is closed or taken home would stop the connection.</p>""", progress),
        _step(2, """<p>Open QuickBooks Desktop with the company file, signed in as a <b>dedicated QuickBooks
user with full access</b> (for example a user named "Integration"), and leave it open.</p>
<p class="why">Why: QuickBooks lets the connection do only what its user may do, so limited rights make
requests fail. A user of its own is never signed in elsewhere, and keeps working when staff change
their passwords or leave.</p>""", progress),
        _step(3, f"""<p><a id="download-qwc" class="button" href="{_e(page_url)}/qwc">Download the .qwc file</a></p>
<p>Open the downloaded file (double-click it). The QuickBooks Web Connector asks to add the
application: click <b>OK</b>. QuickBooks then asks whether to allow access: choose
<b>"Yes, always; allow access even if QuickBooks is not running"</b>, pick the dedicated user, click
<b>Continue</b> and then <b>Done</b>.</p>""", progress),
        _step(4, f"""<p>In the Web Connector, click in the <b>Password</b> column of {app}, enter the password
below, press Enter and answer <b>Yes</b> to save it. Then tick the checkbox in front of the application
and click <b>Update Selected</b>.</p>{password_block}""", progress),
        _step(5, f"""<div id="progress" class="{_e(progress.state)}" data-state="{_e(progress.state)}"
data-status-url="{_e(page_url)}/status" aria-live="polite">
<p><b id="state-text">{_e(state_text)}</b></p>
<div id="connected-detail"{if_connected}>
<p>QuickBooks answered for the company <b id="company">{_e(progress.company_name)}</b>.
{app} can now sync with it whenever this computer is on.</p></div>
<div id="failure"{if_failed}>
<p id="failure-message">{_e(progress.user_facing_message)}</p>
<p><b id="failure-step">{_e(repeat_text)}</b></p></div>
<p id="check-again"{unless_connected}><a href="{_e(page_url)}">Check again</a>
<span class="muted">(this page also updates by itself)</span></p>
<div id="redirect-block"{if_connected}>{redirect}</div>
</div>""", progress),
    ])
    body = f"""{_head(f"Connect QuickBooks to {app_name}")}<body>
<h1>Connect QuickBooks Desktop to {app}</h1>
<p>This page sets up the connection for <b>{company}</b>. It takes about five minutes.
This link is for this connection only and works until {_e(expires_at)}.</p>
<ol class="steps">{steps}</ol>
<script nonce="{nonce}">{_SCRIPT}</script>
</body></html>
"""
    return body, nonce


def message_page(*, app_name: str, title: str, paragraphs: list[str]) -> str:
    """A page with a title and a few paragraphs (plain text, escaped): expired, not found, failures."""
    text = "".join(f"<p>{_e(p)}</p>" for p in paragraphs)
    return f"{_head(f'{title} - {app_name}')}<body><h1>{_e(title)}</h1>{text}</body></html>\n"


def expired_page(app_name: str) -> str:
    return message_page(app_name=app_name, title="This link has expired", paragraphs=[
        "Connection links work for a limited time, and only the newest link of a connection works.",
        f"Ask {app_name} for a new link to connect QuickBooks, and open it on the computer that keeps "
        "the company file.",
    ])


def not_found_page(app_name: str) -> str:
    return message_page(app_name=app_name, title="This link is not valid", paragraphs=[
        "The address may be incomplete: check that the whole link was copied from the message you received.",
        f"If it still does not open, ask {app_name} for a new link to connect QuickBooks.",
    ])


def unavailable_page(app_name: str) -> str:
    return message_page(app_name=app_name, title="This page is not available right now", paragraphs=[
        "Something went wrong on our side. Nothing was changed in QuickBooks.",
        f"Try again in a few minutes. If it keeps happening, contact {app_name}'s support team.",
    ])


# Route bodies (``app.py`` wires them) ----------------------------------------------------------------------
def _guarded(app_name: str, render: Callable[[], Response]) -> Response:
    """Every outcome of a page route is an HTML page: never JSON, never a trace."""
    try:
        return render()
    except GatewayError as exc:
        if exc.code == "auth_link_expired":
            log.info("auth page refused: link expired", extra={"reason": exc.message})
            return html_response(410, expired_page(app_name))
        if exc.code == "auth_link_not_found":
            log.info("auth page refused: unknown link", extra={"reason": exc.message})
            return html_response(404, not_found_page(app_name))
        log.warning("auth page failed", extra={"code": exc.code, "reason": exc.message})
        return html_response(500 if exc.http_status < 400 else exc.http_status, unavailable_page(app_name))
    except Exception:
        log.exception("auth page failed unexpectedly")
        return html_response(500, unavailable_page(app_name))


def _readable(at: datetime) -> str:
    return at.strftime("%d %b %Y, %H:%M UTC")


def connect_response(flow: AuthFlowService, token: str, base_url: str) -> Response:
    """``GET /connect/{token}``: the page; the password only while the link is live and not yet connected."""

    def render() -> Response:
        link = flow.open(token)
        flow.record_view(link, "page")
        progress = flow.progress(link)
        body, nonce = connect_page(
            app_name=flow.settings.app_name, company_name=link.user.company_name,
            page_url=f"{base_url}/connect/{link.token}",
            password=None if progress.state == CONNECTED else flow.password(link),
            progress=progress, redirect_url=link.session.redirect_url,
            expires_at=_readable(link.session.expires_at))
        return html_response(200, body, nonce=nonce)

    return _guarded(flow.settings.app_name, render)


def qwc_response(flow: AuthFlowService, token: str, base_url: str) -> Response:
    """``GET /connect/{token}/qwc``: the link's end-user's ``.qwc`` (no password inside)."""

    def render() -> Response:
        link = flow.open(token)
        flow.record_view(link, "qwc")
        text, filename = flow.end_users.qwc(link.user, base_url)
        return Response(body=text, status_code=200, headers={
            "Content-Type": "application/xml; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        })

    return _guarded(flow.settings.app_name, render)


def status_response(flow: AuthFlowService, token: str) -> Response:
    """``GET /connect/{token}/status``: the progress as JSON; an unknown or expired link raises (404/410)."""
    link = flow.open(token)
    return json_response(200, flow.progress(link).to_dict(), headers={"Cache-Control": "no-store"})
