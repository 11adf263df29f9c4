"""parameters_to_vector and vector_to_parameters against torch."""

import numpy as np

import convkit as ck
import convkit.nn as nn


def test_round_trip_and_gradient():
    ck.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Conv1d(1, 2, 2))
    vec = nn.utils.parameters_to_vector(model.parameters())
    expected = np.concatenate([p.data.numpy().ravel() for p in model.parameters()])
    np.testing.assert_array_equal(vec.data, expected)
    vec.sum().backward()
    assert all(p.grad is not None and np.all(p.grad.numpy() == 1) for p in model.parameters())
    new = ck.arange(vec.numel(), dtype=ck.float32)
    nn.utils.vector_to_parameters(new, model.parameters())
    np.testing.assert_array_equal(nn.utils.parameters_to_vector(model.parameters()).data, new.data)
    assert model[0].weight.shape == (2, 3)


def test_vector_to_parameters_needs_a_tensor():
    import pytest

    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([1.0], nn.Linear(1, 1).parameters())
