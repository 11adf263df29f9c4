"""Explanations for learners: worked shape formulas (``convkit shape``) and model summaries
(``convkit summary``)."""

from .layers import LayerBuildError, LayerSyntaxError, build_layer, parse_layer
from .model_summary import ModelSummary, load_model_for_summary, summary
from .shape import ShapeInputError, explain_shapes, parse_shape, render_text

__all__ = [
    "LayerBuildError",
    "LayerSyntaxError",
    "ModelSummary",
    "ShapeInputError",
    "build_layer",
    "explain_shapes",
    "load_model_for_summary",
    "parse_layer",
    "parse_shape",
    "render_text",
    "summary",
]
