"""Plotly figures as PNG images, rendered by kaleido with Debian's chromium (/usr/bin/chromium, found by kaleido
without a setting; BROWSER_PATH overrides) and the machine's CJK font. One renderer is kept alive for the process:
the first image starts it (3–5 s), later ones take a fraction of a second. Nothing is downloaded: plotly.js is the
copy inside the plotly package and MathJax is off."""

from __future__ import annotations

import threading
from pathlib import Path

import kaleido
import plotly
import plotly.graph_objects as go

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
RENDER_TIMEOUT_S = 90
PNG_SCALE = 1  # the presentation theme already draws at 1600×820 px

_lock = threading.Lock()  # one renderer, one image at a time (Streamlit sessions are threads)
_started = False


class RenderError(RuntimeError):
    """A chart could not be rendered as an image (chromium missing or failing)."""


def start() -> None:
    """Start the process's renderer if it is not running (idempotent)."""
    global _started
    with _lock:
        _start_locked()


def _start_locked() -> None:
    global _started
    if _started:
        return
    if not PLOTLY_JS.is_file():
        raise RenderError(f"找不到 plotly.js（{PLOTLY_JS}）：请重新安装 plotly")
    kaleido.start_sync_server(silence_warnings=True, mathjax=False, plotlyjs=str(PLOTLY_JS),
                              timeout=RENDER_TIMEOUT_S)
    _started = True


def stop() -> None:
    """Stop the renderer (the command line does this when it is done; the dashboard keeps it)."""
    global _started
    with _lock:
        if _started:
            kaleido.stop_sync_server(silence_warnings=True)
            _started = False


def png(fig: go.Figure, width: int | None = None, height: int | None = None, scale: float = PNG_SCALE) -> bytes:
    """The figure as PNG bytes, at its own layout size unless `width`/`height` are given."""
    opts: dict[str, object] = {"format": "png", "scale": scale,
                               "width": width or fig.layout.width or 1600, "height": height or fig.layout.height or 820}
    with _lock:
        _start_locked()
        try:
            data = kaleido.calc_fig_sync(fig, opts=opts)
        except Exception as exc:  # chromium died or timed out: restart once, then give up with a message
            global _started
            kaleido.stop_sync_server(silence_warnings=True)
            _started = False
            _start_locked()
            try:
                data = kaleido.calc_fig_sync(fig, opts=opts)
            except Exception as again:
                raise RenderError(f"图表图片生成失败：{again}") from exc
    if not isinstance(data, bytes):
        raise RenderError("图表图片生成失败：渲染器没有返回图片")
    return data
