/* The page's step plans: a mirror of convkit/explain/steps.py (convolution_steps for
 * convolution and pooling, plan_title, plan_formulas, plan_notes, step_caption, fmt_value) and of
 * the argument parsing of `convkit animate` (parse_sizes). Same names, same order of checks, same
 * messages; tests/explain/test_page.py compares every step, value and caption with Python's over a
 * grid of arguments. Sizes come from shapes.js, words from i18n.js.
 */
(function (root, factory) {
  var req = typeof require === "function" ? require : null;
  var api = factory(
    root.CKShapes || (req && req("./shapes.js")),
    root.CKI18n || (req && req("./i18n.js"))
  );
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.CKSteps = api;
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function (shapes, i18n) {
  "use strict";

  var CKError = shapes.CKError;
  var PADDING_MODES = ["zeros", "reflect", "replicate", "circular"];
  // steps.py's limits: beyond them the cells are too many to follow one by one.
  var MAX_GRID = 24;
  var MAX_STEPS = 196;

  function explain_error(key, values) {
    var error = new CKError("AnimateError", i18n.translator("en")(key, values), key, values);
    return error;
  }

  // ---- parse_sizes / _per_dim of `convkit animate` --------------------------------------------

  // Python's int(): optional sign, digits with single underscores between them, spaces around.
  var PY_INT = /^\s*[+-]?[0-9]+(_[0-9]+)*\s*$/;

  /** '5', '5x7' (also 5,7 or 5X7 or 5*7) -> [5], [5, 7]; an AnimateError for anything else. */
  function parse_sizes(text, name) {
    var parts = text.toLowerCase().replace(/,/g, "x").replace(/\*/g, "x").split("x");
    var values = [];
    for (var i = 0; i < parts.length; i++) {
      if (!PY_INT.test(parts[i])) {
        throw explain_error("anim_bad_sizes", { name: name, value: text });
      }
      values.push(parseInt(parts[i].replace(/_/g, ""), 10));
    }
    return values;
  }

  function per_dim(text, name) {
    var values = parse_sizes(text, name);
    return values.length === 1 ? values[0] : values;
  }

  // ---- fmt_value: a value as a learner writes it (Python's formatting, digit for digit) -------

  /** The exact decimal digits of a finite double's magnitude: [integer part, fraction]. */
  function exact_digits(v) {
    var text = Math.abs(v).toFixed(100); // exact for |v| < 1e21 (doubles are dyadic)
    var dot = text.indexOf(".");
    return [text.slice(0, dot), text.slice(dot + 1).replace(/0+$/, "")];
  }

  /** Round the digit string `digits` (a decimal point after `point` digits) to `keep` digits,
   *  half to even as Python does on the exact value. Returns [digits, point]. */
  function round_digits(digits, point, keep) {
    if (digits.length <= keep) {
      while (digits.length < keep) digits += "0";
      return [digits, point];
    }
    var head = digits.slice(0, keep).split("").map(Number);
    var rest = digits.slice(keep);
    var up = rest[0] > "5";
    if (rest[0] === "5") {
      // past the 5: anything but zeros rounds up; exactly half rounds to the even digit
      up = /[1-9]/.test(rest.slice(1)) || head[head.length - 1] % 2 === 1;
    }
    if (up) {
      var i = head.length - 1;
      while (i >= 0 && head[i] === 9) {
        head[i] = 0;
        i--;
      }
      if (i >= 0) {
        head[i] += 1;
      } else {
        head.unshift(1);
        point += 1;
      }
    }
    return [head.join(""), point];
  }

  /** Python's f"{v:.3g}" (three significant digits, trailing zeros dropped). */
  function format_g3(v) {
    var parts = exact_digits(v);
    var all = (parts[0] === "0" ? "" : parts[0]) + parts[1];
    var point = parts[0] === "0" ? 0 : parts[0].length;
    var lead = all.search(/[1-9]/);
    var sig = all.slice(lead);
    point -= lead; // the value is 0.sig * 10**point
    var r = round_digits(sig, point, 3);
    var digits = r[0].slice(0, 3);
    var exp = r[1] - 1; // the value is d.dd * 10**exp
    var sign = v < 0 ? "-" : "";
    if (exp < -4 || exp >= 3) {
      var mant = digits[0] + "." + digits.slice(1);
      mant = mant.replace(/0+$/, "").replace(/\.$/, "");
      var e = Math.abs(exp);
      return sign + mant + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" + e : String(e));
    }
    var text;
    if (exp >= 0) {
      text = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
    } else {
      text = "0." + "0".repeat(-exp - 1) + digits;
    }
    return sign + text.replace(/0+$/, "").replace(/\.$/, "");
  }

  /** Python's f"{v:.0f}". */
  function format_f0(v) {
    var parts = exact_digits(v);
    var r = round_digits(parts[0] + parts[1], parts[0].length, parts[0].length);
    var text = r[0].slice(0, r[1]).replace(/^0+(?=[0-9])/, "");
    return (v < 0 ? "-" : "") + text;
  }

  /** A value as a learner writes it: 3, -1, 2.5, 0.333, -inf. */
  function fmt_value(v) {
    if (v === null || v === undefined) return "";
    if (v === Infinity) return "inf";
    if (v === -Infinity) return "-inf";
    if (Number.isInteger(v)) return Object.is(v, -0) ? "0" : BigInt(v).toString();
    return Math.abs(v) < 1000 ? format_g3(v) : format_f0(v);
  }

  function _paren(v) {
    var text = fmt_value(v);
    return v < 0 ? "(" + text + ")" : text;
  }

  // ---- the plan ------------------------------------------------------------------------------

  /** 1, 2, ..., 9, 1, 2, ... in row-major order (never 0, so a 0 is always a padding cell). */
  function default_input(shape) {
    var out = [];
    for (var i = 0; i < shape[0]; i++) {
      var row = [];
      for (var j = 0; j < shape[1]; j++) row.push(((i * shape[1] + j) % 9) + 1);
      out.push(row);
    }
    return out;
  }

  /** -1, 0, 1 repeating in row-major order (3x3: a vertical-edge detector). */
  function default_kernel(shape) {
    var out = [];
    for (var i = 0; i < shape[0]; i++) {
      var row = [];
      for (var j = 0; j < shape[1]; j++) row.push(((i * shape[1] + j) % 3) - 1);
      out.push(row);
    }
    return out;
  }

  function as_2d(values, n, fill) {
    return n === 1 ? [fill, values[0]] : values.slice();
  }

  function prod(values) {
    return values.reduce(function (a, b) { return a * b; }, 1);
  }

  /** Which input index a padded index reads in each padding mode (steps.py reads the grid from
   *  F.pad; these are F.pad's rules), or -1 for a constant. */
  function source_index(i, size, mode) {
    if (i >= 0 && i < size) return i;
    if (mode === "zeros") return -1;
    if (mode === "replicate") return i < 0 ? 0 : size - 1;
    if (mode === "reflect") return i < 0 ? -i : 2 * (size - 1) - i;
    return i < 0 ? i + size : i - size; // circular
  }

  /** F.pad's checks for the non-constant modes, with its messages (the plan pads a
   *  (1, 1, H, W) array, so the dimensions are 2 and 3). */
  function check_pad(mode, size2, pairs2) {
    var shape = "[1, 1, " + size2[0] + ", " + size2[1] + "]";
    for (var d = 0; d < 2; d++) {
      var a = pairs2[d][0], b = pairs2[d][1], size = size2[d];
      var pad = "(" + a + ", " + b + ")";
      if (mode === "circular" && (a > size || b > size)) {
        throw new CKError(
          "RuntimeError",
          "Padding value causes wrapping around more than once: circular padding " + pad +
            " at dimension " + (d + 2) + " of input " + shape + " must be at most the size " +
            size + " of that dimension."
        );
      }
      if (mode === "reflect" && (a >= size || b >= size)) {
        throw new CKError(
          "RuntimeError",
          "Padding size should be less than the corresponding input dimension, but got: " +
            "padding " + pad + " at dimension " + (d + 2) + " of input " + shape +
            " (reflect padding must be smaller than the size it reflects)"
        );
      }
    }
  }

  /** The steps of one convolution or pooling window (one channel, no bias): steps.py's
   *  convolution_steps with the default input and kernel (1..9 and -1/0/1). `stride` null is
   *  torch's default (the kernel for pooling, else 1); `pool` null, 'max' or 'avg'. */
  function convolution_steps(input_size, kernel_size, stride, padding, dilation, options) {
    options = options || {};
    var padding_mode = options.padding_mode || "zeros";
    var pool = options.pool || null;
    var ceil_mode = !!options.ceil_mode;
    var size = typeof input_size === "number" ? [input_size] : input_size.slice();
    var n = size.length;
    if (n !== 1 && n !== 2) {
      throw explain_error("anim_bad_size", { value: shapes.py_tuple(size) });
    }
    if (size.some(function (v) { return v <= 0; })) {
      throw explain_error("anim_size_positive", { value: size.join("x") });
    }
    if (ceil_mode && !pool) throw explain_error("anim_ceil_without_pool", {});
    if (PADDING_MODES.indexOf(padding_mode) < 0) {
      throw explain_error("anim_bad_padding_mode", {
        modes: "[" + PADDING_MODES.map(function (m) { return "'" + m + "'"; }).join(", ") + "]",
        value: padding_mode
      });
    }
    if (padding_mode !== "zeros" && pool) {
      throw explain_error("anim_padding_mode_conv_only", {
        mode: padding_mode,
        fill: pool === "max" ? "-inf" : "zeros"
      });
    }
    var kernel = shapes.ntuple(kernel_size, n, "kernel_size");
    var stride_n = shapes.ntuple(stride === null ? (pool ? kernel : 1) : stride, n, "stride");
    var dil = shapes.ntuple(dilation, n, "dilation");
    shapes.check_positive(kernel, "kernel_size");
    shapes.check_positive(stride_n, "stride");
    shapes.check_positive(dil, "dilation");
    if (pool === "avg" && dil.some(function (d) { return d !== 1; })) {
      throw explain_error("anim_avg_dilation", { value: shapes.py_tuple(dil) });
    }
    var name = (pool === "max" ? "MaxPool" : pool === "avg" ? "AvgPool" : "Conv") + n + "d";
    var names = shapes.dim_names(n);
    var pairs, pad_n = null;
    if (pool) {
      if (typeof padding === "string") {
        throw explain_error("anim_padding_string", { value: padding });
      }
      pad_n = shapes.ntuple(padding, n, "padding");
      shapes.check_non_negative(pad_n, "padding");
      pairs = pad_n.map(function (p) { return [p, p]; });
    } else {
      pairs = shapes.conv_padding(padding, kernel, stride_n, dil);
    }
    var out, formulas;
    if (pool) {
      out = shapes.pool_output_shape(name, size, kernel, stride_n, pad_n, dil, ceil_mode);
      formulas = size.map(function (L, i) {
        return names[i] + ": " +
          shapes.pool_output_formula(L, kernel[i], stride_n[i], pad_n[i], dil[i], ceil_mode);
      });
    } else {
      out = shapes.conv_output_shape(name, size, kernel, stride_n, pairs, dil);
      formulas = size.map(function (L, i) {
        return names[i] + ": " +
          shapes.conv_output_formula(L, kernel[i], stride_n[i], pairs[i], dil[i]);
      });
    }
    var steps = prod(out);
    var side = Math.max(
      Math.max.apply(null, size.map(function (L, i) { return L + pairs[i][0] + pairs[i][1]; })),
      Math.max.apply(null, out)
    );
    if (steps > MAX_STEPS || side > MAX_GRID) {
      throw explain_error("anim_too_big", {
        steps: steps, side: side, max_steps: MAX_STEPS, max_grid: MAX_GRID
      });
    }
    var common = {
      name: name,
      ndim: n,
      kernel_size: as_2d(kernel, n, 1),
      stride: as_2d(stride_n, n, 1),
      padding: n === 1 ? [[0, 0], pairs[0]] : pairs,
      dilation: as_2d(dil, n, 1),
      padding_mode: padding_mode,
      ceil_mode: ceil_mode,
      out_shape: as_2d(out, n, 1),
      formulas: formulas
    };
    var size2 = as_2d(size, n, 1);
    common.input = default_input(size2);
    common.kernel = pool ? null : default_kernel(common.kernel_size);
    return gather_plan(common, pool, size, kernel, stride_n, pad_n);
  }

  function gather_plan(c, pool, size, kernel, stride, pad_n) {
    var x = c.input, w = c.kernel;
    var kh = c.kernel_size[0], kw = c.kernel_size[1];
    var sh = c.stride[0], sw = c.stride[1];
    var dh = c.dilation[0], dw = c.dilation[1];
    var oh = c.out_shape[0], ow = c.out_shape[1];
    var h = x.length, wd = x[0].length;
    var pairs = c.padding;
    if (c.padding_mode !== "zeros") check_pad(c.padding_mode, [h, wd], pairs);
    var fill = pool === "max" ? -Infinity : 0;
    var top = pairs[0][0], left = pairs[1][0];
    var ph = h + pairs[0][0] + pairs[0][1], pw = wd + pairs[1][0] + pairs[1][1];
    // ceil mode: the last window may hang over the padded input; extend the grid to show it.
    var gh = Math.max(ph, shapes.window_span(oh, kh, sh, dh));
    var gw = Math.max(pw, shapes.window_span(ow, kw, sw, dw));
    var grid = [], kind = [], sources = [];
    for (var r = 0; r < gh; r++) {
      grid.push([]);
      kind.push([]);
      sources.push([]);
      for (var q = 0; q < gw; q++) {
        if (r >= ph || q >= pw) {
          grid[r].push(null);
          kind[r].push("overhang");
          sources[r].push(null);
          continue;
        }
        var si = source_index(r - top, h, c.padding_mode);
        var sj = source_index(q - left, wd, c.padding_mode);
        var inside = r >= top && r < top + h && q >= left && q < left + wd;
        kind[r].push(inside ? "input" : "pad");
        if (si < 0 || sj < 0) {
          grid[r].push(fill);
          sources[r].push(null);
        } else {
          grid[r].push(x[si][sj]);
          sources[r].push(inside ? null : [si, sj]);
        }
      }
    }
    var divisors = null;
    if (pool === "avg") {
      // count_include_pad=True (torch's default): the divisor of each window from shapes.
      var n = size.length;
      var outs = c.out_shape.slice(2 - n);
      var per_dim = size.map(function (L, i) {
        return shapes.avg_pool_divisors(L, kernel[i], stride[i], pad_n[i], outs[i], true);
      });
      var rows = n === 2 ? per_dim[0] : [1];
      divisors = rows.map(function (a) {
        return per_dim[n - 1].map(function (b) { return a * b; });
      });
    }
    var steps = [], output = [], read = [];
    for (r = 0; r < gh; r++) {
      read.push([]);
      for (q = 0; q < gw; q++) read[r].push(false);
    }
    for (var i = 0; i < oh; i++) {
      output.push([]);
      for (var j = 0; j < ow; j++) {
        var taps = [];
        for (var a = 0; a < kh; a++) {
          for (var b = 0; b < kw; b++) {
            var rr = i * sh + a * dh, cc = j * sw + b * dw;
            var k = kind[rr][cc];
            taps.push({
              kernel: [a, b],
              cell: [rr, cc],
              kind: k,
              value: k === "overhang" ? null : grid[rr][cc],
              weight: w === null ? null : w[a][b],
              source: k === "pad" ? sources[rr][cc] : null
            });
            if (k === "input") read[rr][cc] = true;
          }
        }
        var result = gather_value(pool, taps, divisors === null ? null : divisors[i][j]);
        var label = c.ndim === 1 ? "out[" + j + "]" : "out[" + i + "," + j + "]";
        steps.push({
          index: steps.length,
          position: [i, j],
          taps: taps,
          value: result[0],
          text: label + " = " + result[1]
        });
        output[i].push(result[0]);
      }
    }
    var unread = [], any_unread = false;
    for (r = 0; r < h; r++) {
      unread.push([]);
      for (q = 0; q < wd; q++) {
        unread[r].push(!read[top + r][left + q]);
        any_unread = any_unread || !read[top + r][left + q];
      }
    }
    var notes = [];
    if (pool === "max") notes.push({ key: "anim_note_max_pad", values: {} });
    if (pool === "avg") notes.push({ key: "anim_note_avg_divisor", values: {} });
    if (gh > ph || gw > pw) notes.push({ key: "anim_note_ceil", values: {} });
    if (c.padding_mode !== "zeros") {
      notes.push({ key: "anim_note_padding_mode", values: { mode: c.padding_mode } });
    }
    if (any_unread) notes.push({ key: "anim_note_unread", values: {} });
    c.kind = pool || "conv";
    c.output = output;
    c.grid = grid;
    c.grid_kind = kind;
    c.origin = [top, left];
    c.steps = steps;
    c.notes = notes;
    c.unread = unread;
    return c;
  }

  /** The step's output value and its arithmetic, summed in row-major kernel order. */
  function gather_value(pool, taps, divisor) {
    var read = taps.filter(function (t) { return t.kind !== "overhang"; });
    var total = 0, shown;
    if (pool === "max") {
      var best = read[0];
      read.forEach(function (t) { if (t.value > best.value) best = t; });
      shown = read.map(function (t) { return fmt_value(t.value); }).join(", ");
      return [best.value, "max(" + shown + ") = " + fmt_value(best.value)];
    }
    if (pool === "avg") {
      read.forEach(function (t) { total += t.value; });
      var value = total / divisor;
      shown = read.map(function (t) { return fmt_value(t.value); }).join(" + ");
      return [value, "(" + shown + ") / " + divisor + " = " + fmt_value(total) + "/" + divisor +
        " = " + fmt_value(value)];
    }
    read.forEach(function (t) { total += t.value * t.weight; });
    shown = read.map(function (t) {
      return fmt_value(t.value) + "\u00d7" + _paren(t.weight);
    }).join(" + ");
    return [total, shown + " = " + fmt_value(total)];
  }

  // ---- words around the numbers --------------------------------------------------------------

  function _short(values) {
    var same = values.every(function (v) { return v === values[0]; });
    return same ? String(values[0]) : values.join("x");
  }

  /** Conv2d: input 5x5, kernel 3x3, stride 2, padding 1, dilation 1 -> output 3x3 */
  function plan_title(plan, lang) {
    var t = i18n.translator(lang || "en");
    var n = plan.ndim;
    function given(values) { return values.slice(2 - n); }
    var parts = [
      t("anim_title_head", {
        name: plan.name,
        size: given([plan.input.length, plan.input[0].length]).join("x"),
        kernel: given(plan.kernel_size).join("x")
      }),
      "stride " + _short(given(plan.stride))
    ];
    var pads = given(plan.padding);
    if (pads.every(function (p) { return p[0] === p[1]; })) {
      parts.push("padding " + _short(pads.map(function (p) { return p[0]; })));
    } else {
      parts.push(t("anim_title_pairs", {
        pads: n > 1 ? shapes.py_tuple(pads) : shapes.py_tuple(pads[0])
      }));
    }
    if (plan.kind !== "avg") parts.push("dilation " + _short(given(plan.dilation)));
    if (plan.padding_mode !== "zeros") parts.push("padding_mode '" + plan.padding_mode + "'");
    if (plan.ceil_mode) parts.push("ceil_mode");
    var out = given(plan.out_shape).join("x");
    return parts.join(", ") + " -> " + t("anim_title_out", { out: out });
  }

  var DROPPED = " - 1 (the last window would start in the padding)";

  /** The output-size formula per dimension, worked out. */
  function plan_formulas(plan, lang) {
    if (!lang || lang === "en") return plan.formulas.slice();
    var dropped = " - 1 " + i18n.translator(lang)("anim_dropped_window", {});
    return plan.formulas.map(function (f) { return f.split(DROPPED).join(dropped); });
  }

  /** What a learner might miss in this plan, in `lang`. */
  function plan_notes(plan, lang) {
    var t = i18n.translator(lang || "en");
    return plan.notes.map(function (note) { return t(note.key, note.values); });
  }

  /** step 5/9: out[1,1] = ...; without show_values the caption writes no value the picture
   *  hides. */
  function step_caption(plan, index, show_values, lang) {
    var t = i18n.translator(lang || "en");
    var step = plan.steps[index];
    var text;
    if (show_values) {
      text = step.text;
    } else {
      var label = plan.ndim === 1
        ? "out[" + step.position[1] + "]"
        : "out[" + step.position[0] + "," + step.position[1] + "]";
      var count = step.taps.filter(function (tap) { return tap.kind !== "overhang"; }).length;
      var key = { conv: "anim_sum", max: "anim_max", avg: "anim_mean" }[plan.kind];
      text = t(key, { label: label, count: count });
    }
    return t("anim_step", { i: index + 1, n: plan.steps.length, text: text });
  }

  /** The formula's letters named and, with dilation 1, even padding and floor rounding, the
   *  note's (N - F + 2P)/S + 1 per dimension (shape.py's _simple_form). */
  function simple_form(plan, lang) {
    var t = i18n.translator(lang || "en");
    var n = plan.ndim;
    var rounding = plan.ceil_mode ? "ceil" : "floor";
    var legend = t("formula_window", { rounding: rounding });
    var given = function (values) { return values.slice(2 - n); };
    var pads = given(plan.padding), dil = given(plan.dilation);
    var simple = [];
    if (rounding === "floor" && dil.every(function (d) { return d === 1; }) &&
        pads.every(function (p) { return p[0] === p[1]; })) {
      legend += t("formula_simple", {});
      var names = shapes.dim_names(n);
      var size = given([plan.input.length, plan.input[0].length]);
      var kernel = given(plan.kernel_size), stride = given(plan.stride);
      size.forEach(function (L, i) {
        simple.push(names[i] + ": " +
          shapes.simple_output_formula(L, kernel[i], stride[i], pads[i][0]));
      });
    }
    return { legend: legend, simple: simple };
  }

  /** The layer as torch code: nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1). */
  function layer_code(plan) {
    var n = plan.ndim;
    var given = function (values) { return values.slice(2 - n); };
    function arg(values) {
      var same = values.every(function (v) { return v === values[0]; });
      return same ? String(values[0]) : shapes.py_tuple(values);
    }
    var kernel = given(plan.kernel_size), stride = given(plan.stride);
    var dil = given(plan.dilation), pads = given(plan.padding);
    var args = plan.kind === "conv" ? ["1", "1"] : [];
    args.push("kernel_size=" + arg(kernel));
    var default_stride = plan.kind === "conv" ? kernel.map(function () { return 1; }) : kernel;
    if (stride.join() !== default_stride.join()) args.push("stride=" + arg(stride));
    if (pads.some(function (p) { return p[0] !== p[1]; })) {
      args.push("padding='same'");
    } else if (pads.some(function (p) { return p[0] !== 0; })) {
      args.push("padding=" + arg(pads.map(function (p) { return p[0]; })));
    }
    if (dil.some(function (d) { return d !== 1; })) args.push("dilation=" + arg(dil));
    if (plan.padding_mode !== "zeros") args.push("padding_mode='" + plan.padding_mode + "'");
    if (plan.ceil_mode) args.push("ceil_mode=True");
    return "nn." + plan.name + "(" + args.join(", ") + ")";
  }

  /** What `convkit animate` does with its text arguments: parse them in its order (input,
   *  padding, kernel, stride, dilation), then convolution_steps. `params`: {input, kernel,
   *  stride (''/null: torch's default), padding, dilation, padding_mode, pool, ceil_mode}. */
  function plan_from_text(params, names) {
    names = names || {};
    function label(key) { return names[key] || key; }
    var size = parse_sizes(params.input, label("input"));
    var padding = params.padding === "same" || params.padding === "valid"
      ? params.padding
      : per_dim(params.padding, label("padding"));
    var kernel = per_dim(params.kernel, label("kernel"));
    var stride = params.stride === null || params.stride === undefined || params.stride === ""
      ? null
      : per_dim(params.stride, label("stride"));
    var dilation = per_dim(params.dilation, label("dilation"));
    return convolution_steps(size, kernel, stride, padding, dilation, {
      padding_mode: params.padding_mode,
      pool: params.pool || null,
      ceil_mode: params.ceil_mode
    });
  }

  return {
    PADDING_MODES: PADDING_MODES,
    MAX_GRID: MAX_GRID,
    MAX_STEPS: MAX_STEPS,
    parse_sizes: parse_sizes,
    fmt_value: fmt_value,
    default_input: default_input,
    default_kernel: default_kernel,
    convolution_steps: convolution_steps,
    plan_title: plan_title,
    plan_formulas: plan_formulas,
    plan_notes: plan_notes,
    step_caption: step_caption,
    simple_form: simple_form,
    layer_code: layer_code,
    plan_from_text: plan_from_text
  };
});
