"""Coverage of torch's Tensor methods and torch.* functions in convkit, from torch's own lists.

    python tools/tensor_coverage.py            # counts and the gaps (Markdown)
    python tools/tensor_coverage.py --all      # every name, "have" ones included

The names come from torch itself: the public attributes of ``torch.Tensor`` (plus the dunders
that give tensors their operators and protocols, DUNDERS below) and every public callable of
the ``torch`` namespace that is a function (``torch.__all__`` and ``dir(torch)``; classes,
modules, dtypes and constants are left out). Each name is "have" when convkit has it (as a
Tensor attribute, or in the ``convkit`` namespace), else "not planned" with the reason given in
NOT_PLANNED, else "missing" with the note given in MISSING. tests/test_coverage.py fails when a
torch name is in none of these, or when a "not planned" name has become available.

torch is needed to run this (it is the tests' oracle, not a convkit dependency).
"""

from __future__ import annotations

import inspect
import sys

# The dunders that make a tensor behave as one (operators, conversions, containers, NumPy and
# DLPack interop, copying); the rest of torch.Tensor's dunders are Python's object machinery.
DUNDERS = (
    "__abs__ __add__ __and__ __array__ __array_priority__ __array_wrap__ __bool__ __complex__ "
    "__contains__ __cuda_array_interface__ __deepcopy__ __dlpack__ __dlpack_device__ __eq__ "
    "__float__ __floordiv__ __format__ __ge__ __getitem__ __gt__ __iadd__ __iand__ "
    "__ifloordiv__ __ilshift__ __imod__ __imul__ __index__ __int__ __invert__ __ior__ __ipow__ "
    "__irshift__ __isub__ __iter__ __itruediv__ __ixor__ __le__ __len__ __lshift__ __lt__ "
    "__matmul__ __mod__ __mul__ __ne__ __neg__ __or__ __pos__ __pow__ __radd__ __rand__ "
    "__reduce_ex__ __repr__ __reversed__ __rfloordiv__ __rlshift__ __rmatmul__ __rmod__ "
    "__rmul__ __ror__ __rpow__ __rrshift__ __rshift__ __rsub__ __rtruediv__ __rxor__ "
    "__setitem__ __setstate__ __sub__ __torch_dispatch__ __torch_function__ __truediv__ "
    "__xor__"
).split()


def _names(text: str) -> list[str]:
    return text.split()


# reason -> names (Tensor methods and torch.* functions alike). Every reason says why convkit
# will not have these; "missing" below is for what it could and may have later.
NOT_PLANNED_GROUPS: dict[str, list[str]] = {
    "complex numbers: convkit's dtypes are NumPy's real and bool types (complex tensors would "
    "need complex autograd throughout)": _names(
        "cdouble cfloat chalf complex polar view_as_complex view_as_complex_copy view_as_real "
        "view_as_real_copy stft istft"
    ),
    "bfloat16: NumPy has no bfloat16 dtype": _names("bfloat16"),
    "sparse tensors (COO/CSR/CSC/BSR/BSC layouts): convkit tensors are dense NumPy arrays": _names(
        "ccol_indices col_indices crow_indices row_indices coalesce is_coalesced dense_dim "
        "sparse_dim sparse_mask sparse_resize_ sparse_resize_and_clear_ resize_as_sparse_ "
        "to_dense to_sparse to_sparse_bsc to_sparse_bsr to_sparse_coo to_sparse_csc "
        "to_sparse_csr indices values smm sspaddmm ccol_indices_copy col_indices_copy "
        "crow_indices_copy row_indices_copy indices_copy values_copy dsmm hsmm hspmm saddmm "
        "spmm sparse_bsc_tensor sparse_bsr_tensor sparse_compressed_tensor sparse_coo_tensor "
        "sparse_csc_tensor sparse_csr_tensor segment_reduce"
    ),
    "quantization (int8 inference kernels, observers, fake quantization)": _names(
        "dequantize int_repr q_per_channel_axis q_per_channel_scales q_per_channel_zero_points "
        "q_scale q_zero_point qscheme quantize_per_channel quantize_per_tensor "
        "quantize_per_tensor_dynamic quantized_batch_norm quantized_gru quantized_gru_cell "
        "quantized_lstm quantized_lstm_cell quantized_max_pool1d quantized_max_pool2d "
        "quantized_max_pool3d quantized_rnn_relu_cell quantized_rnn_tanh_cell empty_quantized "
        "fake_quantize_per_channel_affine fake_quantize_per_tensor_affine "
        "fused_moving_avg_obs_fake_quant choose_qparams_optimized fbgemm_linear_fp16_weight "
        "fbgemm_linear_fp16_weight_fp32_activation fbgemm_linear_int8_weight "
        "fbgemm_linear_int8_weight_fp32_activation fbgemm_linear_quantize_weight "
        "fbgemm_pack_gemm_matrix_fp16 fbgemm_pack_quantized_matrix"
    ),
    "accelerator back-end entry points (cuDNN, MIOpen, oneDNN/MKL-DNN, Vulkan, XPU, IPU, MTIA, "
    "CUDA streams): convkit is CPU/NumPy only, and torch.* reaches these kernels through the "
    "ordinary functions convkit has": _names(
        "cudnn_affine_grid_generator cudnn_batch_norm cudnn_convolution "
        "cudnn_convolution_add_relu cudnn_convolution_relu cudnn_convolution_transpose "
        "cudnn_grid_sampler cudnn_is_acceptable miopen_batch_norm miopen_convolution "
        "miopen_convolution_add_relu miopen_convolution_relu miopen_convolution_transpose "
        "miopen_ctc_loss miopen_depthwise_convolution miopen_rnn mkldnn_adaptive_avg_pool2d "
        "mkldnn_convolution mkldnn_linear_backward_weights mkldnn_max_pool2d mkldnn_max_pool3d "
        "mkldnn_rnn_layer to_mkldnn is_vulkan_available xpu ipu mtia record_stream "
        "__cuda_array_interface__ profiler_allow_cudagraph_cupti_lazy_reinit_cuda12 "
        "get_device_module"
    ),
    "automatic mixed precision (autocast): its CPU form casts to bfloat16, which NumPy lacks": (
        _names(
            "autocast_decrement_nesting autocast_increment_nesting clear_autocast_cache "
            "get_autocast_cpu_dtype get_autocast_dtype get_autocast_gpu_dtype "
            "get_autocast_ipu_dtype get_autocast_xla_dtype is_autocast_cache_enabled "
            "is_autocast_cpu_enabled is_autocast_enabled is_autocast_ipu_enabled "
            "is_autocast_xla_enabled set_autocast_cache_enabled set_autocast_cpu_dtype "
            "set_autocast_cpu_enabled set_autocast_dtype set_autocast_enabled "
            "set_autocast_gpu_dtype set_autocast_ipu_dtype set_autocast_ipu_enabled "
            "set_autocast_xla_dtype set_autocast_xla_enabled"
        )
    ),
    "TorchScript and compiler internals (IR parsing, type comments, futures, symbolic shapes, "
    "control-flow operators): convkit runs eagerly (torch.compile and torch.jit.script return "
    "the model unchanged)": _names(
        "import_ir_module import_ir_module_from_buffer merge_type_from_type_comment parse_ir "
        "parse_schema parse_type_comment unify_type_list fork wait classproperty "
        "compiled_with_cxx11_abi sym_constrain_range sym_constrain_range_for_size sym_float "
        "sym_fresh_size sym_int sym_ite sym_max sym_min sym_not sym_sqrt sym_sum cond "
        "while_loop slice_inverse __torch_dispatch__ __torch_function__ as_subclass"
    ),
    "function transforms (torch.func): convkit's autograd is reverse mode on a recorded graph; "
    "vectorising maps are out of scope": _names("vmap"),
    "recurrent networks (LSTM/GRU/RNN kernels): convkit is a convolutional-network library": (
        _names(
            "lstm lstm_cell gru gru_cell rnn_relu rnn_relu_cell rnn_tanh rnn_tanh_cell "
            "embedding_bag ctc_loss conv_tbc"
        )
    ),
    "internal ATen entry points that torch's own nn.functional calls (SyncBatchNorm's "
    "statistics, native_* kernels, weight-norm helper); convkit's nn.functional is the public "
    "way to these": _names(
        "batch_norm_backward_elemt batch_norm_backward_reduce batch_norm_elemt "
        "batch_norm_gather_stats batch_norm_gather_stats_with_counts batch_norm_stats "
        "batch_norm_update_stats native_batch_norm native_channel_shuffle native_dropout "
        "native_group_norm native_layer_norm native_norm norm_except_dim embedding_renorm_ "
        "affine_grid_generator grid_sampler grid_sampler_2d grid_sampler_3d"
    ),
    "storage internals: a convkit tensor owns a NumPy array, there is no separate Storage "
    "object (data_ptr, stride, storage_offset and set_ are there; pickling goes through "
    "__reduce_ex__, not torch's legacy __setstate__ format)": _names(
        "storage storage_type untyped_storage is_set_to __setstate__"
    ),
    "nested (jagged) tensors": _names("to_padded_tensor"),
    "named tensors and first-class dimensions (torch's prototypes)": _names("name index"),
    "removed from torch's API (raise or are no-ops there)": _names(
        "reinforce volatile symeig eig lstsq matrix_rank set_default_tensor_type"
    ),
    "process and allocator plumbing (multiprocessing set-up, flush-denormal FPU flag, the "
    "library's file path)": _names(
        "prepare_multiprocessing_environment set_flush_denormal get_file_path"
    ),
    "torch 2.13's per-tensor gradient dtype override: convkit's gradients always take the "
    "tensor's dtype": _names("grad_dtype"),
}

# note -> names: what convkit could have and does not yet.
MISSING_GROUPS: dict[str, list[str]] = {
    "dense linear algebra (decompositions, solves, inverses, determinants): the forward is one "
    "NumPy/LAPACK call each, the derivatives are the work; not needed by CNN code paths": _names(
        "cholesky cholesky_inverse cholesky_solve det geqrf inverse logdet lu lu_solve "
        "lu_unpack matrix_exp matrix_power orgqr ormqr pinverse qr slogdet solve svd "
        "triangular_solve lobpcg pca_lowrank svd_lowrank"
    ),
    "special functions (gamma family, Bessel I0, incomplete gamma): need vectorised "
    "kernels NumPy lacks, as erf/erfinv got": _names(
        "digamma digamma_ lgamma lgamma_ polygamma polygamma_ mvlgamma mvlgamma_ i0 i0_ igamma "
        "igamma_ igammac igammac_"
    ),
    "random sampling: the data helper's random-stream work (torch's MT19937 streams, bit for "
    "bit) owns these": _names(
        "bernoulli cauchy_ exponential_ geometric_ log_normal_ multinomial random_ normal "
        "poisson binomial seed initial_seed thread_safe_generator"
    ),
    "thread control: the kernels helper's work": _names(
        "get_num_threads set_num_threads get_num_interop_threads set_num_interop_threads "
        "init_num_threads"
    ),
    "autograd anomaly mode: the autograd core's": _names(
        "is_anomaly_enabled set_anomaly_enabled is_anomaly_check_nan_enabled"
    ),
    "nn.functional ops whose torch.* alias appears once nn.functional has them (the nn and "
    "shapes helpers' work; functions/nn.py aliases each by name)": _names(
        "alpha_dropout alpha_dropout_ bilinear binary_cross_entropy_with_logits celu celu_ "
        "channel_shuffle cosine_embedding_loss cosine_similarity embedding "
        "feature_alpha_dropout feature_alpha_dropout_ feature_dropout feature_dropout_ "
        "group_norm hardshrink hinge_embedding_loss instance_norm kl_div layer_norm "
        "margin_ranking_loss pairwise_distance pdist pixel_shuffle pixel_unshuffle "
        "poisson_nll_loss prelu rms_norm rrelu rrelu_ selu selu_ threshold threshold_ "
        "triplet_margin_loss"
    ),
    "smaller gaps not reached yet (gradient of sampled data, N-d histograms, tensor hashing, "
    "empty with a dimension permutation)": _names(
        "gradient histogramdd hash_tensor empty_permuted"
    ),
}


def _flatten(groups: dict[str, list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for reason, names in groups.items():
        for name in names:
            out[name] = reason
    return out


NOT_PLANNED = _flatten(NOT_PLANNED_GROUPS)
MISSING = _flatten(MISSING_GROUPS)


def torch_tensor_names() -> list[str]:
    import torch

    public = [n for n in dir(torch.Tensor) if not n.startswith("_")]
    return sorted(public) + [d for d in DUNDERS if hasattr(torch.Tensor, d)]


def torch_function_names() -> list[str]:
    import torch

    names = set(torch.__all__) | {n for n in dir(torch) if not n.startswith("_")}
    out = []
    for name in sorted(names):
        try:
            obj = getattr(torch, name)
        except AttributeError:
            continue
        if inspect.ismodule(obj) or inspect.isclass(obj) or not callable(obj):
            continue
        out.append(name)
    return out


def rows() -> list[tuple[str, str, str, str]]:
    """(group, name, status, note) for every torch name."""
    import convkit

    out = []
    groups = (
        ("Tensor methods", torch_tensor_names(), lambda n: hasattr(convkit.Tensor, n)),
        ("torch.* functions", torch_function_names(), lambda n: hasattr(convkit, n)),
    )
    for group, names, have in groups:
        for name in names:
            if have(name):
                out.append((group, name, "have", ""))
            elif name in NOT_PLANNED:
                out.append((group, name, "not planned", NOT_PLANNED[name]))
            elif name in MISSING:
                out.append((group, name, "missing", MISSING[name]))
            else:
                out.append((group, name, "unclassified", "NOT CLASSIFIED: add it or a reason"))
    return out


def counts(table: list[tuple[str, str, str, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for group, _, status, _ in table:
        out.setdefault(group, {"have": 0, "missing": 0, "not planned": 0, "unclassified": 0})
        out[group][status] += 1
    return out


def main(argv: list[str]) -> None:
    table = rows()
    print("| group | torch has | have | missing | not planned |")
    print("|---|---:|---:|---:|---:|")
    for group, c in counts(table).items():
        total = sum(c.values())
        print(f"| {group} | {total} | {c['have']} | {c['missing']} | {c['not planned']} |")
    show_all = "--all" in argv
    for status in ("missing", "not planned", "unclassified") + (("have",) if show_all else ()):
        picked = [r for r in table if r[2] == status]
        if not picked:
            continue
        print(f"\n### {status}\n")
        by_note: dict[str, list[str]] = {}
        for group, name, _, note in picked:
            prefix = "Tensor." if group == "Tensor methods" else "torch."
            by_note.setdefault(note, []).append(prefix + name)
        for note, names in by_note.items():
            head = f"- {note}: " if note else "- "
            print(head + ", ".join(f"`{n}`" for n in names))


if __name__ == "__main__":
    main(sys.argv[1:])
