"""Scoring rules as data (rubrics/*.yaml), their loader, and the engine that applies them."""

from rubrics.engine import score_form
from rubrics.loader import Rubric, RubricError, load_rubric

__all__ = ["Rubric", "RubricError", "load_rubric", "score_form"]
