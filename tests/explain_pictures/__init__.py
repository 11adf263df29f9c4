"""Tests of convkit animate, convkit filters and convkit featuremaps."""
