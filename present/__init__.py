"""Streamlit-free presentation shared by the pages (ui/, pages/) and the exports (reports/): figure
builders, number formatting, user-facing strings, table shaping. Imports neither streamlit nor the store."""
