"""Share the page on screen with a room: its full link (with its settings and, in the lesson, its step) as a
"Copy link" button and a QR code large enough to scan from a seat.

The server cannot know the host name the browser used (a lecturer's laptop, a proxy, a classroom's address):
the address comes from the browser. ``st.context.url`` is the page's address as the browser reported it with this
run (scheme, host, port and path); the settings are this run's query parameters. The "Copy link" button reads
``window.location.href`` itself when pressed, so it copies exactly what the address bar shows.
"""
from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
import streamlit as st
from streamlit.components.v2 import component as _component

QR_PX = 360          # the QR code's width on screen: scannable from a seat a few rows back
DIALOG_KEY = "share_open"


def page_url() -> str:
    """This page's full address with its settings, as the browser reported it (a relative one without a browser)."""
    base = st.context.url or ""
    query = urlencode(st.query_params.to_dict())
    return base + (f"?{query}" if query else "")


def qr_png(url: str, px: int = QR_PX) -> bytes:
    """A PNG of the QR code of ``url`` (segno, pure Python), at least ``px`` pixels wide."""
    qr = segno.make(url, error="m")
    scale = max(4, -(-px // qr.symbol_size(border=2)[0]))
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=2, dark="#111827", light="#ffffff")
    return out.getvalue()


_COPY_JS = """
export default function (component) {
  const root = component.parentElement;
  let button = root.querySelector("button");
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    button.textContent = "Copy link";
    button.setAttribute("data-testid", "shareCopyLink");
    const said = document.createElement("span");
    said.className = "said";
    said.setAttribute("role", "status");
    root.appendChild(button);
    root.appendChild(said);
  }
  const said = root.querySelector(".said");
  button.onclick = async () => {
    const href = window.location.href;
    try {
      await navigator.clipboard.writeText(href);
      said.textContent = "Copied.";
    } catch (e) {
      const box = document.createElement("textarea");
      box.value = href; document.body.appendChild(box); box.select();
      const ok = document.execCommand && document.execCommand("copy");
      box.remove();
      said.textContent = ok ? "Copied." : "Select the link below and copy it.";
    }
    component.setTriggerValue("copied", href);
  };
}
"""
_COPY_CSS = """
button { font: inherit; font-size: 1.05rem; padding: 0.45rem 1rem; border-radius: 0.5rem; cursor: pointer;
         border: 1px solid #1f2937; background: #1f2937; color: #fff; }
button:focus-visible { outline: 4px solid #facc15; outline-offset: 2px; }
.said { margin-left: 0.8rem; font-size: 1rem; }
"""
_copy = None


def copy_button(key: str) -> None:
    """A "Copy link" button that copies the address bar's link."""
    global _copy
    if _copy is None:
        _copy = _component("share_copy_link", js=_COPY_JS, css=_COPY_CSS)
    _copy(key=key, on_copied_change=lambda: None)


@st.dialog("Share this page", width="large")
def _dialog() -> None:
    url = page_url()
    qr, words = st.columns([QR_PX, 380])
    qr.image(qr_png(url), width=QR_PX)
    with words:
        st.markdown("Scan the code to open this page with the same settings, or copy its link:")
        copy_button("share_copy")
        st.code(url, language=None, wrap_lines=True)
        from labui import watch_view  # this session's watch link, once its lab has a run (issue 20)

        watch_view.share_section()


def button(where=None, key: str = "share_button", label: str = "") -> None:
    """A button that opens the share dialog (the link's QR code and "Copy link"); without a label, the icon."""
    where = where or st
    if where.button(label or "", key=key, icon=":material/qr_code_2:", width="stretch",
                    help="This page's link with its settings: a QR code for the room and a Copy link button."):
        _dialog()
