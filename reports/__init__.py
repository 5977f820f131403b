"""Exports for meetings and follow-up work, built from the same tables and figures as the pages."""
