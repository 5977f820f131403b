"""The view in the address bar (st.query_params), so that a copied link reproduces it: the year (sidebar), the
unit and project drilled into, and each page's filters as comma-separated lists. Widgets take their first value
from the address and write their value back on every run."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

YEAR = "year"
UNIT = "unit"
FORM = "form"
SEPARATOR = ","


def text(name: str) -> str | None:
    """A single value from the address (None when absent or empty)."""
    value = st.query_params.get(name)
    return value.strip() or None if isinstance(value, str) else None


def put(name: str, value: object) -> None:
    """Write one value, or remove the parameter when the value is empty."""
    if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
        if name in st.query_params:
            del st.query_params[name]
        return
    shown = SEPARATOR.join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    if st.query_params.get(name) != shown:
        st.query_params[name] = shown


def multiselect(label: str, options: Sequence[str], name: str, key: str, placeholder: str) -> list[str]:
    """A multiselect whose first value comes from the address (unknown values dropped) and whose value is
    written back to it."""
    if key not in st.session_state:
        wanted = (text(name) or "").split(SEPARATOR)
        st.session_state[key] = [v for v in options if v in wanted]
    picked = st.multiselect(label, options, key=key, placeholder=placeholder)
    put(name, picked)
    return picked


def pick_year(available: Sequence[int], key: str) -> None:
    """Before the sidebar's year selector is drawn: the address's year, the first time this session sees it."""
    raw = text(YEAR)
    seen = f"{key}_from_address"
    if raw and raw.isdigit() and int(raw) in available and st.session_state.get(seen) != raw:
        st.session_state[key] = int(raw)
        st.session_state[seen] = raw
