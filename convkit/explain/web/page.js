/* The interactive page: controls -> CKSteps.plan_from_text -> the formula, the output size and
 * an SVG of the padded input, the window, the kernel and the output, one step at a time. All the
 * arithmetic is in shapes.js / steps.js (mirrors of convkit's Python, tested against it); this
 * file only reads the controls and draws. CK_PAGE_DATA: {messages, initial}.
 */
(function () {
  "use strict";
  var data = window.CK_PAGE_DATA;
  CKI18n.set_messages(data.messages);
  var SVG_NS = "http://www.w3.org/2000/svg";
  // convkit/explain/drawing.py's colours, so the page looks like the GIFs and the player.
  var C = {
    ink: "#212121", muted: "#616161", grid: "#616161", pad: "#dedede", hatch: "#b0b0b0",
    padText: "#696969", unread: "#f8d0d6", tap: "#ffb74d", tapPad: "#f6d2a0",
    tapEdge: "#d84315", kernel: "#ffe0b2", done: "#bbdefb", now: "#1976d2", maxEdge: "#c62828",
    outEdge: "#0d47a1", overhang: "#e67800"
  };
  var FIELDS = ["input", "kernel", "stride", "padding", "dilation"];

  var root = document.querySelector("[data-ck=page]");
  function $(name) { return root.querySelector("[data-ck=" + name + "]"); }
  var state = {
    lang: data.initial.lang,
    step: 0,
    timer: null,
    plan: null,
    ms: data.initial.ms
  };

  function t(key, values) { return CKI18n.translator(state.lang)(key, values || {}); }

  // ---- reading the controls ---------------------------------------------------------------
  function params() {
    var op = root.querySelector("input[name=ck-op]:checked").value;
    return {
      input: $("input").value.trim(),
      kernel: $("kernel").value.trim(),
      stride: $("stride").value.trim(),
      padding: $("padding").value.trim(),
      dilation: $("dilation").value.trim(),
      padding_mode: $("padding_mode").value,
      pool: op === "conv" ? null : op,
      ceil_mode: $("ceil_mode").checked
    };
  }

  function set_controls(p) {
    FIELDS.forEach(function (f) { $(f).value = p[f] === null ? "" : p[f]; });
    $("padding_mode").value = p.padding_mode;
    $("ceil_mode").checked = !!p.ceil_mode;
    root.querySelector("input[name=ck-op][value=" + (p.pool || "conv") + "]").checked = true;
    $("show_values").checked = !!p.show_values;
  }

  // ---- words ------------------------------------------------------------------------------
  function label_words() {
    document.documentElement.lang = state.lang;
    root.querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = t(el.getAttribute("data-i18n"));
    });
    root.querySelectorAll("[data-i18n-title]").forEach(function (el) {
      el.title = t(el.getAttribute("data-i18n-title"));
      el.setAttribute("aria-label", el.title);
    });
    document.title = t("page_title");
  }

  // ---- recompute ---------------------------------------------------------------------------
  function recompute() {
    var p = params();
    var names = {};
    FIELDS.forEach(function (f) { names[f] = f; });
    try {
      state.plan = CKSteps.plan_from_text(p, names);
      state.error = null;
    } catch (e) {
      if (!(e instanceof CKShapes.CKError)) throw e;
      state.plan = null;
      state.error = e;
    }
    if (state.plan && state.step >= state.plan.steps.length) state.step = state.plan.steps.length - 1;
    if (!state.plan) stop();
    render_all();
  }

  function render_all() {
    var plan = state.plan;
    var error = $("error");
    root.classList.toggle("ck-has-error", !plan);
    // ceil_mode applies to pooling, padding_mode to convolution: say so by greying them out
    var op = root.querySelector("input[name=ck-op]:checked").value;
    $("ceil_mode").closest("label").classList.toggle("ck-off", op === "conv");
    $("padding_mode").closest("label").classList.toggle("ck-off", op !== "conv");
    $("stride").placeholder = op === "conv" ? "1" : t("page_stride_default_pool");
    if (!plan) {
      error.hidden = false;
      error.textContent = t("error") + ": " + CKI18n.error_text(state.error, state.lang);
      $("title").textContent = "";
      $("out-size").textContent = "\u2014";
      $("torch-shape").textContent = "";
      $("formulas").textContent = "";
      $("legend").textContent = "";
      $("code").textContent = "";
      $("notes").textContent = "";
      $("caption").textContent = "";
      $("svg").innerHTML = "";
      $("slider").max = 0;
      root.removeAttribute("data-step");
      return;
    }
    error.hidden = true;
    error.textContent = "";
    var given = plan.out_shape.slice(2 - plan.ndim);
    $("title").textContent = CKSteps.plan_title(plan, state.lang);
    $("out-size").textContent = given.join(" x ");
    $("torch-shape").textContent = "torch.Size([1, 1, " + given.join(", ") + "])";
    var simple = CKSteps.simple_form(plan, state.lang);
    $("legend").textContent = simple.legend;
    var lines = [];
    CKSteps.plan_formulas(plan, state.lang).forEach(function (f, i) {
      lines.push(f);
      if (simple.simple[i]) {
        var dim = simple.simple[i].split(":")[0];
        lines.push(" ".repeat(dim.length) + "  = " + simple.simple[i].slice(dim.length + 2));
      }
    });
    $("formulas").textContent = lines.join("\n");
    $("code").textContent = CKSteps.layer_code(plan);
    var notes = $("notes");
    notes.textContent = "";
    CKSteps.plan_notes(plan, state.lang).forEach(function (n) {
      var li = document.createElement("li");
      li.textContent = n;
      notes.appendChild(li);
    });
    $("slider").max = plan.steps.length - 1;
    // the key names only what this picture has
    $("key-pad").hidden = !plan.padding.some(function (p) { return p[0] || p[1]; });
    $("key-unread").hidden = !plan.unread.some(function (row) { return row.some(Boolean); });
    render_step();
  }

  function render_step() {
    var plan = state.plan;
    if (!plan) return;
    var k = state.step;
    $("slider").value = k;
    root.setAttribute("data-step", k);
    $("caption").textContent = CKSteps.step_caption(plan, k, $("show_values").checked, state.lang);
    $("play").textContent = state.timer === null ? "\u25b6 " + t("anim_play") : "\u275a\u275a " + t("anim_pause");
    draw(plan, k, $("show_values").checked);
  }

  // ---- drawing -----------------------------------------------------------------------------
  function el(name, attrs, text) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (a) { node.setAttribute(a, attrs[a]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function draw(plan, k, show) {
    var svg = $("svg");
    svg.innerHTML = "";
    var step = plan.steps[k];
    var gh = plan.grid.length, gw = plan.grid[0].length;
    var kh = plan.kernel_size[0], kw = plan.kernel_size[1];
    var oh = plan.out_shape[0], ow = plan.out_shape[1];
    var conv = plan.kind === "conv";
    var width = Math.max(320, Math.min(root.clientWidth - 40, 980));
    var gap = 36;
    var cols = gw + ow + (conv ? kw : 0);
    var cell = Math.max(18, Math.min(52, Math.floor((width - gap * (conv ? 2 : 1)) / cols)));
    var head = 26;
    var rows = Math.max(gh, conv ? kh : 0, oh);
    var total_w = cols * cell + gap * (conv ? 2 : 1) + 4;
    svg.setAttribute("viewBox", "0 0 " + total_w + " " + (head + rows * cell + 4));
    svg.setAttribute("width", total_w);
    svg.setAttribute("height", head + rows * cell + 4);
    var defs = el("defs", {});
    var pattern = el("pattern", {
      id: "ck-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(45)"
    });
    pattern.appendChild(el("rect", { width: 6, height: 6, fill: C.pad }));
    pattern.appendChild(el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: C.hatch, "stroke-width": 2 }));
    defs.appendChild(pattern);
    svg.appendChild(defs);
    var font = Math.max(10, Math.round(cell * 0.36));
    var small = Math.max(8, Math.round(cell * 0.22));

    function caption(x, text) {
      svg.appendChild(el("text", { x: x, y: 17, "font-size": 14, fill: C.ink, class: "ck-label" }, text));
    }
    function value_text(x, y, v, color, size) {
      svg.appendChild(el("text", {
        x: x + cell / 2, y: y + cell / 2, "font-size": size || font, fill: color || C.ink,
        "text-anchor": "middle", "dominant-baseline": "central"
      }, CKSteps.fmt_value(v)));
    }

    // the padded input
    var x0 = 2, y0 = head;
    var has_pad = plan.padding.some(function (p) { return p[0] || p[1]; });
    caption(x0, t(has_pad ? "anim_input_padding" : "anim_input"));
    var taps = {};
    step.taps.forEach(function (tap) { taps[tap.cell[0] + "," + tap.cell[1]] = tap; });
    var best = null;
    if (plan.kind === "max") {
      step.taps.forEach(function (tap) {
        if (tap.kind !== "overhang" && (best === null || tap.value > best.value)) best = tap;
      });
    }
    var top = plan.origin[0], left = plan.origin[1];
    for (var r = 0; r < gh; r++) {
      for (var c = 0; c < gw; c++) {
        var kind = plan.grid_kind[r][c];
        var tap = taps[r + "," + c];
        var x = x0 + c * cell, y = y0 + r * cell;
        var fill = "#fff";
        if (kind === "pad") fill = "url(#ck-hatch)";
        if (kind === "input" && plan.unread[r - top][c - left]) fill = C.unread;
        if (tap && kind === "input") fill = C.tap;
        if (tap && kind === "pad") fill = C.tapPad;
        if (kind === "overhang") {
          svg.appendChild(el("rect", {
            x: x + 1, y: y + 1, width: cell - 2, height: cell - 2, fill: tap ? "#fff3e0" : "none",
            stroke: C.overhang, "stroke-dasharray": "4 3"
          }));
          continue;
        }
        svg.appendChild(el("rect", {
          x: x, y: y, width: cell, height: cell, fill: fill, stroke: C.grid, "stroke-width": 1,
          "data-kind": kind
        }));
        if (show) value_text(x, y, plan.grid[r][c], kind === "pad" ? C.padText : C.ink);
        if (tap && show && conv) {
          svg.appendChild(el("text", {
            x: x + cell - 3, y: y + cell - 3, "font-size": small, fill: C.tapEdge,
            "text-anchor": "end"
          }, "\u00d7" + CKSteps.fmt_value(tap.weight)));
        }
      }
    }
    // the window's footprint, first tap to last
    var first = step.taps[0].cell, last = step.taps[step.taps.length - 1].cell;
    svg.appendChild(el("rect", {
      x: x0 + first[1] * cell, y: y0 + first[0] * cell,
      width: (last[1] - first[1] + 1) * cell, height: (last[0] - first[0] + 1) * cell,
      fill: "none", stroke: C.tapEdge, "stroke-width": 3, "data-ck": "window"
    }));
    if (best) {
      svg.appendChild(el("rect", {
        x: x0 + best.cell[1] * cell + 2, y: y0 + best.cell[0] * cell + 2,
        width: cell - 4, height: cell - 4, fill: "none", stroke: C.maxEdge, "stroke-width": 3
      }));
    }
    var x1 = x0 + gw * cell + gap;
    // the kernel
    if (conv) {
      caption(x1, t("anim_kernel"));
      for (r = 0; r < kh; r++) {
        for (c = 0; c < kw; c++) {
          svg.appendChild(el("rect", {
            x: x1 + c * cell, y: y0 + r * cell, width: cell, height: cell, fill: C.kernel,
            stroke: C.grid
          }));
          if (show) value_text(x1 + c * cell, y0 + r * cell, plan.kernel[r][c]);
        }
      }
      x1 += kw * cell + gap;
    }
    // the output, filling in
    caption(x1, t("anim_output"));
    for (r = 0; r < oh; r++) {
      for (c = 0; c < ow; c++) {
        var idx = r * ow + c;
        var now = idx === k, done = idx < k;
        svg.appendChild(el("rect", {
          x: x1 + c * cell, y: y0 + r * cell, width: cell, height: cell,
          fill: now ? C.now : done ? C.done : "#fff", stroke: now ? C.outEdge : C.grid,
          "stroke-width": now ? 3 : 1
        }));
        if (show && (now || done)) {
          value_text(x1 + c * cell, y0 + r * cell, plan.output[r][c], now ? "#fff" : C.ink);
        }
      }
    }
  }

  // ---- the player ---------------------------------------------------------------------------
  function show(k) {
    if (!state.plan) return;
    state.step = Math.max(0, Math.min(Number(k), state.plan.steps.length - 1));
    render_step();
  }

  function stop() {
    if (state.timer !== null) clearInterval(state.timer);
    state.timer = null;
    if (state.plan) render_step();
  }

  function play() {
    if (!state.plan) return;
    if (state.step >= state.plan.steps.length - 1) state.step = 0;
    state.timer = setInterval(function () {
      if (!state.plan || state.step >= state.plan.steps.length - 1) {
        stop();
        return;
      }
      show(state.step + 1);
    }, state.ms);
    render_step();
  }

  $("play").addEventListener("click", function () {
    if (state.timer === null) play(); else stop();
  });
  $("first").addEventListener("click", function () { stop(); show(0); });
  $("prev").addEventListener("click", function () { stop(); show(state.step - 1); });
  $("next").addEventListener("click", function () { stop(); show(state.step + 1); });
  $("slider").addEventListener("input", function () { stop(); show($("slider").value); });
  $("speed").addEventListener("input", function () {
    state.ms = Number($("speed").value);
    if (state.timer !== null) { stop(); play(); }
  });

  FIELDS.forEach(function (f) {
    var input = $(f);
    input.addEventListener("input", recompute);
    // arrow keys step every number in the field: 5x7 -> 6x8
    input.addEventListener("keydown", function (ev) {
      if (ev.key !== "ArrowUp" && ev.key !== "ArrowDown") return;
      var delta = ev.key === "ArrowUp" ? 1 : -1;
      if (!/^\s*\d+(\s*x\s*\d+)?\s*$/i.test(input.value)) return;
      ev.preventDefault();
      input.value = input.value.replace(/\d+/g, function (d) {
        return String(Math.max(0, Number(d) + delta));
      });
      recompute();
    });
  });
  root.querySelectorAll("input[name=ck-op]").forEach(function (r) {
    r.addEventListener("change", recompute);
  });
  $("padding_mode").addEventListener("change", recompute);
  $("ceil_mode").addEventListener("change", recompute);
  $("show_values").addEventListener("change", render_step);
  $("lang").addEventListener("change", function () {
    state.lang = $("lang").value;
    label_words();
    render_all();
  });
  window.addEventListener("resize", function () { if (state.plan) render_step(); });

  set_controls(data.initial);
  $("lang").value = state.lang;
  $("speed").value = state.ms;
  label_words();
  recompute();
})();
