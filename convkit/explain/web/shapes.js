/* The interactive page's size arithmetic: a mirror of convkit/shapes.py.
 *
 * A static page cannot call Python, so the formulas are written here a second time, with
 * shapes.py's function names, argument order, formulas (each comment is shapes.py's docstring)
 * and error messages. tests/explain/test_page.py runs these functions in node against shapes.py
 * over a grid of arguments, so the two cannot drift apart. Integers only; padding is an int or a
 * [before, after] pair, as in shapes.py.
 */
(function (root, factory) {
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.CKShapes = api;
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  /** An error that convkit raises with this class name and message. `key`/`values`: an
   *  explainer message (ExplainError) translated by i18n.js; else `message` is torch's text. */
  function CKError(kind, message, key, values) {
    this.name = kind;
    this.kind = kind;
    this.message = message;
    this.key = key || null;
    this.values = values || null;
  }
  CKError.prototype = Object.create(Error.prototype);
  CKError.prototype.constructor = CKError;

  function floordiv(a, b) {
    return Math.floor(a / b);
  }

  function is_int(v) {
    return typeof v === "number" && Number.isInteger(v);
  }

  /** Python's repr of a tuple of ints (or of tuples): (1, 2), (3,), ((1, 2), (1, 2)). */
  function py_tuple(values) {
    var items = values.map(function (v) {
      return Array.isArray(v) ? py_tuple(v) : String(v);
    });
    return "(" + items.join(", ") + (items.length === 1 ? ",)" : ")");
  }

  function pair(padding) {
    return is_int(padding) ? [padding, padding] : padding;
  }

  /** Expand an int to an n-tuple, or check an n-sequence of ints (torch's _ntuple). */
  function ntuple(value, n, name) {
    if (is_int(value)) {
      var out = [];
      for (var i = 0; i < n; i++) out.push(value);
      return out;
    }
    if (Array.isArray(value)) {
      if (value.length === 1 && n > 1) {
        var repeated = [];
        for (var j = 0; j < n; j++) repeated.push(value[0]);
        value = repeated;
      }
      if (value.length !== n || !value.every(is_int)) {
        throw new CKError(
          "ValueError",
          name + " must be an int or a tuple of " + n + " ints, got " + py_tuple(value)
        );
      }
      return value.slice();
    }
    throw new CKError("TypeError", name + " must be an int or a tuple of " + n + " ints");
  }

  function check_positive(values, name) {
    if (values.some(function (v) { return v <= 0; })) {
      throw new CKError(
        "RuntimeError",
        name + " should be greater than zero, but got " + name + ": " + py_tuple(values)
      );
    }
  }

  function check_non_negative(values, name) {
    if (values.some(function (v) { return v < 0; })) {
      throw new CKError(
        "RuntimeError",
        "negative " + name + " is not supported, got " + name + "=" + py_tuple(values)
      );
    }
  }

  /** padding='same': total d(k-1), before total // 2, after total - before. */
  function same_padding(kernel, dilation) {
    var total = dilation * (kernel - 1);
    var before = floordiv(total, 2);
    return [before, total - before];
  }

  /** Normalise a convolution's padding (int, tuple, 'valid', 'same') to (before, after) pairs. */
  function conv_padding(padding, kernel, stride, dilation) {
    var n = kernel.length;
    if (typeof padding === "string") {
      if (padding === "valid") {
        return kernel.map(function () { return [0, 0]; });
      }
      if (padding === "same") {
        if (stride.some(function (s) { return s !== 1; })) {
          throw new CKError(
            "ValueError", "padding='same' is not supported for strided convolutions"
          );
        }
        return kernel.map(function (k, i) { return same_padding(k, dilation[i]); });
      }
      throw new CKError(
        "ValueError",
        "Invalid padding string '" + padding + "', should be one of {'valid', 'same'}"
      );
    }
    var p = ntuple(padding, n, "padding");
    check_non_negative(p, "padding");
    return p.map(function (v) { return [v, v]; });
  }

  /** out = floor((L + p_before + p_after - d*(k-1) - 1) / s) + 1. */
  function conv_output_size(size, kernel, stride, padding, dilation) {
    var p = pair(padding);
    return floordiv(size + p[0] + p[1] - dilation * (kernel - 1) - 1, stride) + 1;
  }

  /** num = L + 2p - d(k-1) - 1; floor mode: out = floor(num/s) + 1. ceil mode:
   *  out = ceil(num/s) + 1, then out -= 1 if (out-1)*s >= L + p. */
  function pool_output_size(size, kernel, stride, padding, dilation, ceil_mode) {
    var num = size + 2 * padding - dilation * (kernel - 1) - 1;
    if (ceil_mode) {
      var out = -floordiv(-num, stride) + 1;
      if ((out - 1) * stride >= size + padding) out -= 1;
      return out;
    }
    return floordiv(num, stride) + 1;
  }

  /** Cells that `out` windows cover, first to last: (out - 1)*s + d*(k-1) + 1. */
  function window_span(out, kernel, stride, dilation) {
    return (out - 1) * stride + dilation * (kernel - 1) + 1;
  }

  /** True when ceil mode's last window would start in the right padding and is dropped. */
  function ceil_mode_dropped_window(size, kernel, stride, padding, dilation) {
    var num = size + 2 * padding - dilation * (kernel - 1) - 1;
    var out = -floordiv(-num, stride) + 1;
    return (out - 1) * stride >= size + padding;
  }

  /** How many trailing cells of the padded input no window reaches (the floor's remainder). */
  function unreached_input(size, kernel, stride, padding, dilation) {
    var p = pair(padding);
    var num = size + p[0] + p[1] - dilation * (kernel - 1) - 1;
    return num - floordiv(num, stride) * stride;
  }

  /** conv_output_size written out with the numbers. */
  function conv_output_formula(size, kernel, stride, padding, dilation) {
    var p = pair(padding);
    var pad = p[0] === p[1] ? "2*" + p[0] : p[0] + " + " + p[1];
    var value = conv_output_size(size, kernel, stride, p, dilation);
    return (
      "floor((" + size + " + " + pad + " - " + dilation + "*(" + kernel + "-1) - 1)/" +
      stride + ") + 1 = " + value
    );
  }

  /** pool_output_size written out with the numbers. */
  function pool_output_formula(size, kernel, stride, padding, dilation, ceil_mode) {
    var value = pool_output_size(size, kernel, stride, padding, dilation, ceil_mode);
    var text =
      (ceil_mode ? "ceil" : "floor") + "((" + size + " + 2*" + padding + " - " + dilation +
      "*(" + kernel + "-1) - 1)/" + stride + ") + 1";
    if (ceil_mode && ceil_mode_dropped_window(size, kernel, stride, padding, dilation)) {
      text += " - 1 (the last window would start in the padding)";
    }
    return text + " = " + value;
  }

  /** The study note's form for dilation 1 and even padding, (N - F + 2P)/S + 1, with the
   *  numbers; floor(...) when S does not divide N - F + 2P. */
  function simple_output_formula(size, kernel, stride, padding) {
    var value = conv_output_size(size, kernel, stride, padding, 1);
    var ratio = "(" + size + " - " + kernel + " + 2*" + padding + ")/" + stride;
    var num = size - kernel + 2 * padding;
    if (num - floordiv(num, stride) * stride !== 0) ratio = "floor(" + ratio + ")";
    return ratio + " + 1 = " + value;
  }

  /** AvgPool divisor of each window along one dimension: start = i*s - p,
   *  end = min(start + k, L + p); pool = end - start. */
  function avg_pool_divisors(size, kernel, stride, padding, out, count_include_pad) {
    var divisors = [];
    for (var i = 0; i < out; i++) {
      var start = i * stride - padding;
      var end = Math.min(start + kernel, size + padding);
      divisors.push(
        count_include_pad ? end - start : Math.min(end, size) - Math.max(start, 0)
      );
    }
    return divisors;
  }

  var DIM_NAMES = { 1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"] };

  /** Names of the spatial dimensions: L; H, W; D, H, W. */
  function dim_names(n) {
    return DIM_NAMES[n].slice();
  }

  function _x(values) {
    return "(" + values.join(" x ") + ")";
  }

  /** The smallest symmetric padding that gives at least one output. */
  function _padding_fix(size, kernel, dilation, lo, hi) {
    var need = dilation * (kernel - 1) + 1 - size;
    return Math.max(lo, hi, -floordiv(-need, 2));
  }

  /** Spatial output shape of a convolution; RuntimeError with the worked formula if empty. */
  function conv_output_shape(op, spatial, kernel, stride, padding, dilation) {
    var out = spatial.map(function (L, i) {
      return conv_output_size(L, kernel[i], stride[i], padding[i], dilation[i]);
    });
    if (out.every(function (o) { return o > 0; })) return out;
    var names = dim_names(spatial.length);
    var padded = spatial.map(function (L, i) { return L + padding[i][0] + padding[i][1]; });
    var effective = kernel.map(function (k, i) { return dilation[i] * (k - 1) + 1; });
    var lines = [];
    var fixes = [];
    spatial.forEach(function (L, i) {
      var k = kernel[i], s = stride[i], p = padding[i], d = dilation[i];
      lines.push("  " + names[i] + ": " + conv_output_formula(L, k, s, p, d));
      if (out[i] <= 0) {
        var most = d > 1 ? floordiv(L + p[0] + p[1] - 1, d) + 1 : L + p[0] + p[1];
        fixes.push(
          names[i] + ": padding >= " + _padding_fix(L, k, d, p[0], p[1]) +
          " or a kernel of at most " + most
        );
      }
    });
    throw new CKError(
      "RuntimeError",
      op + ": the (dilated) kernel is larger than the padded input: padded input size per " +
        "channel " + _x(padded) + ", kernel size " + _x(effective) + " (dilation included), " +
        "so the output would be empty:\n" + lines.join("\n") + "\nTo fix it, use " +
        fixes.join("; ") + "."
    );
  }

  /** Spatial output shape of a pooling window; checks padding <= kernel/2 and a non-empty
   *  output (torch's rule is on the kernel size itself: dilation does not enlarge it). */
  function pool_output_shape(op, spatial, kernel, stride, padding, dilation, ceil_mode) {
    for (var i = 0; i < kernel.length; i++) {
      if (padding[i] > floordiv(kernel[i], 2)) {
        throw new CKError(
          "RuntimeError",
          op + ": pad should be at most half of kernel size, but got padding=" +
            py_tuple(padding) + " and kernel_size=" + py_tuple(kernel) +
            " (each padding must be <= kernel_size // 2)"
        );
      }
    }
    var out = spatial.map(function (L, i) {
      return pool_output_size(L, kernel[i], stride[i], padding[i], dilation[i], ceil_mode);
    });
    if (out.every(function (o) { return o > 0; })) return out;
    var names = dim_names(spatial.length);
    var lines = spatial.map(function (L, i) {
      return "  " + names[i] + ": " +
        pool_output_formula(L, kernel[i], stride[i], padding[i], dilation[i], ceil_mode);
    });
    throw new CKError(
      "RuntimeError",
      op + ": given input size " + _x(spatial) + ", calculated output size " + _x(out) +
        ": output size is too small:\n" + lines.join("\n") +
        "\nTo fix it, use a smaller kernel_size or dilation, or pad the input."
    );
  }

  return {
    CKError: CKError,
    py_tuple: py_tuple,
    ntuple: ntuple,
    check_positive: check_positive,
    check_non_negative: check_non_negative,
    same_padding: same_padding,
    conv_padding: conv_padding,
    conv_output_size: conv_output_size,
    pool_output_size: pool_output_size,
    window_span: window_span,
    ceil_mode_dropped_window: ceil_mode_dropped_window,
    unreached_input: unreached_input,
    conv_output_formula: conv_output_formula,
    pool_output_formula: pool_output_formula,
    simple_output_formula: simple_output_formula,
    avg_pool_divisors: avg_pool_divisors,
    dim_names: dim_names,
    conv_output_shape: conv_output_shape,
    pool_output_shape: pool_output_shape
  };
});
