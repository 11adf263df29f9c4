"""Modules against torch: constructor arguments, reprs, seeded initial weights, state_dict."""

import numpy as np
import pytest
import torch

import convkit as ck
import convkit.nn as nn

# (module name, args, kwargs): built identically in both libraries.
MODULES = [
    ("Conv1d", (2, 4, 3), dict(dilation=2, padding=1)),
    ("Conv2d", (1, 1, 11), dict(stride=4)),
    ("Conv2d", (2, 4, 3), dict(padding="same", padding_mode="reflect", groups=2, bias=False)),
    ("Conv2d", (3, 6, (3, 5)), dict(stride=(2, 1), padding=(1, 2), padding_mode="circular")),
    ("Conv3d", (2, 2, 2), dict(padding="valid")),
    ("ConvTranspose1d", (2, 3, 3), dict(stride=2, output_padding=1)),
    ("ConvTranspose2d", (4, 6, 3), dict(groups=2, dilation=2)),
    ("ConvTranspose3d", (2, 2, (1, 2, 3)), dict(bias=False)),
    ("MaxPool1d", (3, 2, 1), {}),
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True, return_indices=True)),
    ("MaxPool3d", (2,), {}),
    ("AvgPool1d", (2,), {}),
    ("AvgPool2d", (3,), dict(stride=1, padding=1)),
    ("AvgPool3d", (2,), dict(divisor_override=3)),
    ("AdaptiveAvgPool1d", (3,), {}),
    ("AdaptiveAvgPool2d", ((None, 3),), {}),
    ("AdaptiveMaxPool2d", (2,), dict(return_indices=True)),
    ("MaxUnpool2d", (2,), {}),
    ("MaxUnpool1d", (2, 1), {}),
    ("LPPool2d", (2, 3), {}),
    ("Unfold", (2,), {}),
    ("Fold", ((4, 4), 2), {}),
    ("Linear", (3, 4), {}),
    ("Linear", (3, 4), dict(bias=False)),
    ("ReLU", (), {}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("GELU", (), {}),
    ("GELU", ("tanh",), {}),
    ("Softmax", (1,), {}),
    ("Softmax", (), {}),
    ("Flatten", (), {}),
    ("Dropout", (), {}),
    ("Dropout2d", (0.3,), {}),
    ("BatchNorm1d", (3,), dict(affine=False)),
    ("BatchNorm2d", (3,), {}),
    ("CrossEntropyLoss", (), {}),
    ("NLLLoss", (), {}),
    ("MSELoss", (), {}),
    ("MSELoss", (), dict(reduction="sum")),
    ("ReLU6", (True,), {}),
    ("SiLU", (), {}),
    ("Hardswish", (True,), {}),
    ("Hardsigmoid", (), {}),
    ("ELU", (0.5, True), {}),
    ("CELU", (2.0,), {}),
    ("SELU", (True,), {}),
    ("Mish", (), {}),
    ("PReLU", (), {}),
    ("PReLU", (3, 0.1), {}),
    ("RReLU", (0.1, 0.3, True), {}),
    ("Softplus", (2, 10), {}),
    ("Softsign", (), {}),
    ("Softshrink", (0.2,), {}),
    ("Hardshrink", (), {}),
    ("Tanhshrink", (), {}),
    ("LogSigmoid", (), {}),
    ("Hardtanh", (-2, 3, True), {}),
    ("Threshold", (0.1, 20.0), {}),
    ("GLU", (1,), {}),
    ("Softmin", (1,), {}),
    ("Softmax2d", (), {}),
    ("LogSoftmax", (0,), {}),
    ("GroupNorm", (2, 4), {}),
    ("GroupNorm", (3, 6), dict(affine=False)),
    ("GroupNorm", (1, 2), dict(bias=False, eps=1e-3)),
    ("LayerNorm", (5,), {}),
    ("LayerNorm", ([3, 4],), dict(bias=False)),
    ("LayerNorm", ((2, 3),), dict(elementwise_affine=False)),
    ("InstanceNorm1d", (3,), {}),
    ("InstanceNorm2d", (3,), dict(affine=True)),
    ("InstanceNorm3d", (3,), dict(track_running_stats=True)),
    ("LocalResponseNorm", (2,), {}),
    ("RMSNorm", ([3, 4],), {}),
    ("BatchNorm3d", (4,), dict(momentum=None)),
    ("Dropout1d", (), {}),
    ("Dropout3d", (0.2, True), {}),
    ("AlphaDropout", (0.1,), {}),
    ("FeatureAlphaDropout", (), {}),
    ("ZeroPad1d", (2,), {}),
    ("ZeroPad2d", ((1, 2, 3, 4),), {}),
    ("ZeroPad3d", (1,), {}),
    ("ConstantPad1d", (2, 3.5), {}),
    ("ConstantPad2d", ((1, 2, 3, 4), 1), {}),
    ("ConstantPad3d", (1, -1.0), {}),
    ("ReflectionPad1d", ((1, 2),), {}),
    ("ReflectionPad2d", (2,), {}),
    ("ReflectionPad3d", (1,), {}),
    ("ReplicationPad1d", (2,), {}),
    ("ReplicationPad2d", ((1, 0, 2, 1),), {}),
    ("ReplicationPad3d", ((1, 2, 3, 4, 5, 6),), {}),
    ("CircularPad1d", (1,), {}),
    ("CircularPad2d", ((1, 1, 2, 0),), {}),
    ("CircularPad3d", (1,), {}),
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(size=(3, 4), mode="bilinear", align_corners=True)),
    ("Upsample", (), dict(scale_factor=(2, 3), mode="nearest-exact")),
    ("UpsamplingNearest2d", (), dict(scale_factor=2)),
    ("UpsamplingBilinear2d", (3,), {}),
    ("PixelShuffle", (2,), {}),
    ("PixelUnshuffle", (3,), {}),
    ("ChannelShuffle", (2,), {}),
    ("Identity", (3,), dict(unused=1)),
    ("Unflatten", (1, (2, 3)), {}),
    ("Flatten", (0, 2), {}),
    ("BCELoss", (), {}),
    ("BCEWithLogitsLoss", (), {}),
    ("L1Loss", (), dict(reduction="sum")),
    ("SmoothL1Loss", (), dict(beta=0.5)),
    ("HuberLoss", (), dict(delta=2.0)),
    ("KLDivLoss", (), dict(reduction="batchmean", log_target=True)),
    ("MarginRankingLoss", (0.5,), {}),
    ("HingeEmbeddingLoss", (), {}),
    ("SoftMarginLoss", (), {}),
    ("MultiLabelSoftMarginLoss", (), {}),
    ("MultiLabelMarginLoss", (), {}),
    ("MultiMarginLoss", (2, 0.5), {}),
    ("CosineEmbeddingLoss", (), {}),
    ("TripletMarginLoss", (), dict(swap=True)),
    ("TripletMarginWithDistanceLoss", (), dict(margin=2.0)),
    ("PoissonNLLLoss", (), dict(full=True)),
    ("GaussianNLLLoss", (), dict(full=True)),
    ("CosineSimilarity", (0,), {}),
    ("PairwiseDistance", (1.0,), {}),
    ("Bilinear", (2, 3, 4), {}),
    ("Bilinear", (3, 2, 1), dict(bias=False)),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(MODULES)]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=IDS)
def test_repr_params_and_init_match_torch(name, args, kwargs):
    torch.manual_seed(7)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    ck.manual_seed(7)
    ours = getattr(nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    t_state = theirs.state_dict()
    c_state = ours.state_dict()
    assert list(c_state) == list(t_state)
    for key, value in t_state.items():
        assert tuple(c_state[key].shape) == tuple(value.shape), key
        assert str(c_state[key].dtype) == str(value.dtype).replace("torch.", ""), key
        # The same seed gives torch's exact initial weights (bit for bit).
        np.testing.assert_array_equal(c_state[key].data, value.numpy(), err_msg=key)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_sequential_repr_and_parameter_names():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 5, 5),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(720, 10),
    )
    ck.manual_seed(0)
    ours = nn.Sequential(
        nn.Conv2d(1, 5, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(720, 10)
    )
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, v), (_k2, v2) in zip(
        ours.state_dict().items(), theirs.state_dict().items(), strict=True
    ):
        np.testing.assert_array_equal(v.data, v2.numpy(), err_msg=k)
    assert len(list(ours.parameters())) == 4
    assert isinstance(ours[0], nn.Conv2d) and len(ours) == 5


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (
            dict(in_channels=3, out_channels=4, kernel_size=3, groups=2),
            "in_channels must be divisible",
        ),
        (
            dict(in_channels=4, out_channels=3, kernel_size=3, groups=2),
            "out_channels must be divisible",
        ),
        (dict(in_channels=1, out_channels=1, kernel_size=3, padding_mode="x"), "padding_mode"),
        (dict(in_channels=1, out_channels=1, kernel_size=3, stride=2, padding="same"), "strided"),
        (dict(in_channels=1, out_channels=1, kernel_size=3, groups=0), "groups must be a positive"),
        (
            dict(in_channels=1, out_channels=1, kernel_size=3, padding="full"),
            "Invalid padding string",
        ),
    ],
)
def test_conv_constructor_errors_match_torch(kwargs, match):
    with pytest.raises(ValueError, match=match):
        torch.nn.Conv2d(**kwargs)
    with pytest.raises(ValueError, match=match):
        nn.Conv2d(**kwargs)


def test_conv_constructor_refuses_what_would_fail_later():
    with pytest.raises(RuntimeError, match="stride should be greater than zero"):
        nn.Conv2d(1, 1, 3, stride=0)
    with pytest.raises(RuntimeError, match="negative padding"):
        nn.Conv2d(1, 1, 3, padding=-1)
    with pytest.raises(ValueError, match="kernel_size must be an int or a tuple of 2"):
        nn.Conv2d(1, 1, (3, 3, 3))
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="string padding"):
        nn.ConvTranspose2d(1, 1, 3, padding="same")


def test_load_state_dict_strict_errors_and_arrays():
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    state = {k: np.array(v) for k, v in m.state_dict().items()}  # NumPy arrays are accepted
    state["0.weight"] = np.full((2, 1, 3, 3), 0.5, dtype=np.float32)
    m.load_state_dict(state)
    assert (m[0].weight.data == 0.5).all()
    bad = dict(state)
    del bad["0.bias"]
    bad["extra"] = np.zeros(1)
    bad["1.running_mean"] = np.zeros(3, dtype=np.float32)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(bad)
    msg = str(e.value)
    assert 'Missing key(s) in state_dict: "0.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra"' in msg
    assert "size mismatch for 1.running_mean" in msg
    del bad["1.running_mean"]
    result = m.load_state_dict(bad, strict=False)
    assert result.missing_keys == ["0.bias", "1.running_mean"]
    assert result.unexpected_keys == ["extra"]


def test_train_eval_double_and_zero_grad():
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.BatchNorm1d(2))
    assert all(x.training for x in m.modules())
    m.eval()
    assert not any(x.training for x in m.modules())
    m.double()
    assert m[0].weight.dtype == np.float64 and m[2].running_var.dtype == np.float64
    assert m[2].num_batches_tracked.dtype == np.int64
    m[0].weight.grad = ck.ones(2, 2, dtype=ck.float64)
    m.zero_grad()
    assert m[0].weight.grad is None
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Dropout", "BatchNorm1d", "Sequential"]


def test_parameter_registration_rules():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(ck.zeros(2))
            self.sub = nn.Linear(1, 1)
            self.register_buffer("buf", ck.ones(1))
            self.plain = ck.zeros(1)  # a plain tensor attribute is neither parameter nor buffer

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["a", "sub.weight", "sub.bias"]
    assert list(net.state_dict()) == ["a", "buf", "sub.weight", "sub.bias"]
    with pytest.raises(TypeError, match="cannot assign"):
        net.a = ck.zeros(2)
    with pytest.raises(AttributeError):
        net.missing  # noqa: B018 - the access itself raises


@pytest.mark.parametrize(
    "name,args", [("Conv2d", (2, 3, 3)), ("Linear", (5, 2)), ("ConvTranspose1d", (2, 4, 3))]
)
def test_float64_init_matches_torch(name, args):
    torch.manual_seed(11)
    theirs = getattr(torch.nn, name)(*args, dtype=torch.float64)
    ck.manual_seed(11)
    ours = getattr(nn, name)(*args, dtype=ck.float64)
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].dtype == np.float64
        np.testing.assert_array_equal(ours.state_dict()[key].data, value.numpy(), err_msg=key)


@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n in dir(nn)
        if isinstance(getattr(nn, n), type)
        and issubclass(getattr(nn, n), nn.Module)
        and n not in ("Module",)
    ),
)
def test_constructor_signature_matches_torch(name):
    """Names, order, kinds and defaults of every constructor argument are torch's."""
    import inspect

    def params(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]

    assert params(getattr(nn, name)) == params(getattr(torch.nn, name))


def test_batchnorm_without_bias_matches_torch():
    torch.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5)).astype(np.float32)
    theirs = torch.nn.BatchNorm2d(3, bias=False)
    ours = nn.BatchNorm2d(3, bias=False)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(
        ours(ck.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_building_a_model_leaves_batchnorm_untouched():
    from convkit.models import SmallVGG

    bn = SmallVGG().features[1]
    assert bn.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(bn.running_var.data, np.ones(32, dtype=np.float32))


@pytest.mark.parametrize(
    "init_fn", ["kaiming_normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_"]
)
def test_init_of_zero_element_tensors_is_a_no_op(init_fn):
    # torch warns for the kaiming initialisers (Conv2d's own init is one), not for xavier.
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        w = nn.Conv2d(0, 0, 3).weight
    if init_fn.startswith("kaiming"):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            getattr(nn.init, init_fn)(w)
    else:
        getattr(nn.init, init_fn)(w)
    assert w.shape == (0, 0, 3, 3)


# (module name, args, kwargs, input shapes): forward and backward in both
# libraries from the same weights, in training mode and in evaluation mode.
FORWARD = [
    ("PReLU", (3,), {}, [(2, 3, 4)]),
    ("RReLU", (), {}, [(2, 3)]),
    ("Softmax2d", (), {}, [(2, 3, 2, 2)]),
    ("GroupNorm", (2, 4), {}, [(2, 4, 3, 3)]),
    ("LayerNorm", ([3, 4],), {}, [(2, 3, 4)]),
    ("InstanceNorm1d", (3,), dict(affine=True), [(2, 3, 5)]),
    ("InstanceNorm2d", (3,), dict(track_running_stats=True), [(2, 3, 4, 4)]),
    ("InstanceNorm2d", (3,), {}, [(3, 4, 4)]),
    ("InstanceNorm3d", (2,), dict(affine=True, track_running_stats=True), [(2, 2, 2, 3, 3)]),
    ("BatchNorm3d", (2,), {}, [(2, 2, 2, 3, 3)]),
    ("LocalResponseNorm", (3,), {}, [(2, 5, 3, 3)]),
    ("RMSNorm", (4,), {}, [(2, 3, 4)]),
    ("ZeroPad2d", ((1, 2, 0, 1),), {}, [(1, 2, 3, 3)]),
    ("ReflectionPad1d", (2,), {}, [(2, 3, 4)]),
    ("ReplicationPad3d", (1,), {}, [(1, 1, 2, 2, 2)]),
    ("CircularPad2d", (1,), {}, [(2, 3, 3)]),
    ("ConstantPad3d", (1, 2.5), {}, [(1, 2, 2, 2)]),
    ("Upsample", (), dict(scale_factor=2, mode="bilinear"), [(1, 2, 3, 4)]),
    ("UpsamplingBilinear2d", (), dict(size=(5, 7)), [(1, 2, 3, 4)]),
    ("UpsamplingNearest2d", (), dict(scale_factor=3), [(1, 2, 3, 4)]),
    ("PixelShuffle", (2,), {}, [(1, 8, 2, 3)]),
    ("PixelUnshuffle", (2,), {}, [(1, 2, 4, 6)]),
    ("ChannelShuffle", (2,), {}, [(1, 4, 2, 3)]),
    ("Unflatten", (1, (2, -1)), {}, [(3, 6)]),
    ("Identity", (), {}, [(2, 3)]),
    ("CosineSimilarity", (), {}, [(3, 4), (3, 4)]),
    ("PairwiseDistance", (), dict(keepdim=True), [(3, 4), (3, 4)]),
    ("L1Loss", (), {}, [(3, 4), (3, 4)]),
    ("SmoothL1Loss", (), dict(beta=0.5), [(3, 4), (3, 4)]),
    ("HuberLoss", (), {}, [(3, 4), (3, 4)]),
    ("GaussianNLLLoss", (), {}, [(3, 4), (3, 4), (3, 4)]),
    ("TripletMarginLoss", (), {}, [(3, 4), (3, 4), (3, 4)]),
    ("TripletMarginWithDistanceLoss", (), dict(swap=True), [(3, 4), (3, 4), (3, 4)]),
    ("Bilinear", (3, 4, 2), {}, [(5, 3), (5, 4)]),
]


@pytest.mark.parametrize("name,args,kwargs,shapes", FORWARD, ids=[f[0] for f in FORWARD])
@pytest.mark.parametrize("training", [True, False])
def test_module_forward_and_backward_match_torch(name, args, kwargs, shapes, training):
    rng = np.random.default_rng(3)
    arrays = [np.abs(rng.standard_normal(s)) + 0.1 for s in shapes]  # positive: valid variances
    theirs = getattr(torch.nn, name)(*args, **kwargs).double().train(training)
    ours = getattr(nn, name)(*args, **kwargs).double().train(training)
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    xs = [ck.tensor(a, requires_grad=True) for a in arrays]
    xt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ck.manual_seed(5)
    torch.manual_seed(5)
    y, yt = ours(*xs), theirs(*xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tuple(yt.shape))
    y.backward(ck.tensor(g))
    yt.backward(torch.tensor(g))
    for c, t in zip(xs, xt, strict=True):
        np.testing.assert_allclose(c.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    named = dict(theirs.named_parameters())
    for key, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, named[key].grad.numpy(), rtol=1e-10, atol=1e-12)
    for key, b in theirs.state_dict().items():  # running statistics moved alike
        np.testing.assert_allclose(ours.state_dict()[key].data, b.numpy(), rtol=1e-10, atol=1e-12)


def test_bool_window_arguments_raise_type_error_as_torch():
    """torch's parser refuses a bool where an int or a tuple of ints belongs. torch's Conv2d and
    AvgPool1d store it and fail at the first forward; convkit refuses it when built (these
    modules check every argument there). The modules that keep their arguments as given
    (MaxPool2d) build, and their forward raises, as in torch."""
    cases = [
        ("Conv2d", (1, 1, 3), dict(stride=True), (1, 1, 5, 5)),
        ("ConvTranspose1d", (1, 1, 3), dict(padding=(False,)), (1, 1, 5)),
        ("Conv3d", (1, 1, 1), dict(dilation=True), (1, 1, 3, 3, 3)),
        ("AvgPool1d", (2,), dict(stride=True), (1, 1, 6)),
    ]
    for name, args, kwargs, shape in cases:
        module = getattr(torch.nn, name)(*args, **kwargs)
        with pytest.raises(TypeError):
            module(torch.zeros(shape))
        with pytest.raises(TypeError, match="must be an int or a tuple of"):
            getattr(nn, name)(*args, **kwargs)
    with pytest.raises(TypeError):
        torch.nn.MaxPool2d(2, stride=True)(torch.zeros(1, 1, 4, 4))
    pool = nn.MaxPool2d(2, stride=True)
    assert "stride=True" in repr(pool)
    with pytest.raises(TypeError, match="'stride'"):
        pool(ck.zeros(1, 1, 4, 4))


def test_load_state_dict_result_prints_as_torch():
    ours = nn.Linear(2, 2)
    theirs = torch.nn.Linear(2, 2)
    assert repr(ours.load_state_dict(ours.state_dict())) == "<All keys matched successfully>"
    assert str(ours.load_state_dict({}, strict=False)) == str(
        theirs.load_state_dict({}, strict=False)
    )


def test_parameter_prints_as_torch_with_str_and_repr():
    ours, theirs = ck.nn.Parameter(ck.ones(2)), torch.nn.Parameter(torch.ones(2))
    assert str(ours) == str(theirs) and repr(ours) == repr(theirs).replace("torch", "convkit")
    assert str(ck.nn.UninitializedParameter()) == str(torch.nn.UninitializedParameter())
