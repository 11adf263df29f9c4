"""Explanations for learners: worked shape formulas (``convkit shape``), model summaries
(``convkit summary``) and animations of a sliding window (``convkit animate``).

In a notebook, ``explain_shapes(...)``, ``summary(...)`` and ``animate(...)`` show as HTML
tables and an inline player; in a terminal they print as text.
"""

from .layers import LayerBuildError, LayerSyntaxError, build_layer, parse_layer, parse_layers
from .model_summary import ModelSummary, load_model_for_summary, summary
from .player import Animation, animate
from .shape import (
    ShapeExplanation,
    ShapeInputError,
    explain_shapes,
    parse_shape,
    render_html,
    render_text,
)
from .steps import AnimateError, convolution_steps

__all__ = [
    "AnimateError",
    "Animation",
    "LayerBuildError",
    "LayerSyntaxError",
    "ModelSummary",
    "ShapeExplanation",
    "ShapeInputError",
    "animate",
    "build_layer",
    "convolution_steps",
    "explain_shapes",
    "load_model_for_summary",
    "parse_layer",
    "parse_layers",
    "parse_shape",
    "render_html",
    "render_text",
    "summary",
]
