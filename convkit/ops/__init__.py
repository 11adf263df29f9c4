"""Differentiable primitives: one Function per primitive, backward right below forward."""
