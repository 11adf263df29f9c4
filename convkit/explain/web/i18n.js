/* The page's words: convkit/explain/i18n.py's messages (handed to the page as data by page.py, so
 * every word is written once, in i18n.py) filled in as Python's str.format fills them, and in
 * Korean the particles fitted to the word before them: a mirror of i18n.py's translator,
 * error_text and attach_particles, tested against them in node (tests/explain/test_page.py).
 */
(function (root, factory) {
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.CKI18n = api;
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  var MESSAGES = {};

  /** Set the message table: {key: {en: template, ko: template}}. */
  function set_messages(messages) {
    MESSAGES = messages;
  }

  /** str.format with named fields only ({name}, {{ and }}). */
  function format(template, values) {
    return template.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, function (m, name) {
      if (m === "{{") return "{";
      if (m === "}}") return "}";
      if (!(name in values)) throw new Error("no value for {" + name + "} in " + template);
      return String(values[name]);
    });
  }

  /** t(key, values): the message in `lang`; values that are {key, values} objects are
   *  messages too (i18n.py's Text). */
  function translator(lang) {
    return function t(key, values) {
      var filled = {};
      values = values || {};
      Object.keys(values).forEach(function (k) {
        var v = values[k];
        filled[k] = v !== null && typeof v === "object" && "key" in v ? t(v.key, v.values) : v;
      });
      if (!(key in MESSAGES)) throw new Error("no message " + key);
      var text = format(MESSAGES[key][lang], filled);
      return lang === "ko" ? attach_particles(text) : text;
    };
  }

  /** An error's message in `lang`: convkit's own explainer errors (with a key) are translated,
   *  torch's text is kept after a translated lead-in. */
  function error_text(error, lang) {
    if (error.key) return translator(lang)(error.key, error.values);
    if (lang === "en") return error.message;
    return translator(lang)("torch_message", { message: error.message });
  }

  // ---- Korean particles: i18n.py's final_sound / particle / attach_particles -----------------
  var PAIRS = {
    "은(는)": ["은", "는"],
    "이(가)": ["이", "가"],
    "을(를)": ["을", "를"],
    "과(와)": ["과", "와"],
    "이다(다)": ["이다", "다"],
    "(으)로": ["으로", "로"]
  };
  var PARTICLE = /은\(는\)|이\(가\)|을\(를\)|과\(와\)|이다\(다\)|\(으\)로/g;
  var DIGIT_END = {
    0: "other", 1: "rieul", 2: null, 3: "other", 4: null,
    5: null, 6: "other", 7: "rieul", 8: "rieul", 9: null
  };
  var PLACE_END = [
    [BigInt("1000000000000"), null],
    [BigInt(100000000), "other"],
    [BigInt(10000), "other"],
    [BigInt(1000), "other"],
    [BigInt(100), "other"]
  ];
  var LETTER_END = { l: "rieul", r: "rieul", m: "other", n: "other" };

  function rstrip(text, chars) {
    var end = text.length;
    while (end > 0 && chars.indexOf(text[end - 1]) >= 0) end--;
    return text.slice(0, end);
  }

  function number_end(digits) {
    if (digits.indexOf(".") >= 0) {
      var t = rstrip(digits, "0");
      var last = t[t.length - 1];
      return last !== "." ? DIGIT_END[last] : null;
    }
    var n = BigInt(digits);
    if (n === BigInt(0) || n % BigInt(10) !== BigInt(0)) return DIGIT_END[Number(n % BigInt(10))];
    for (var i = 0; i < PLACE_END.length; i++) {
      if (n % PLACE_END[i][0] === BigInt(0)) return PLACE_END[i][1];
    }
    return "other";
  }

  function word_end(word, spelled) {
    if (spelled) {
      var e = LETTER_END[word[word.length - 1].toLowerCase()];
      return e === undefined ? null : e;
    }
    var w = word.toLowerCase();
    if (/(l|le)$/.test(w)) return "rieul";
    if (/(m|n|me|ne|ng)$/.test(w)) return "other";
    if (/ck$/.test(w) || (w.length > 1 && "kpt".indexOf(w[w.length - 1]) >= 0 &&
        "aeiou".indexOf(w[w.length - 2]) >= 0)) {
      return "other";
    }
    return null;
  }

  /** How the reading of `text` ends: null (a vowel), 'rieul' or 'other' (a consonant). */
  function final_sound(text) {
    var t = rstrip(text.replace(/\s+$/, ""), "'\"`");
    if (!t) return null;
    var last = t[t.length - 1];
    if (last === ")" || last === "]") {
      var depth = 0;
      for (var i = t.length - 1; i >= 0; i--) {
        if (t[i] === ")" || t[i] === "]") depth++;
        if (t[i] === "(" || t[i] === "[") depth--;
        if (depth === 0) {
          var before = t.slice(0, i), inside = t.slice(i + 1, -1);
          var b = before[before.length - 1];
          if (before && (/[A-Za-z0-9_]/.test(b) || /\p{L}|\p{N}/u.test(b))) {
            return final_sound(before);
          }
          return final_sound(inside);
        }
      }
      return null;
    }
    var code = last.charCodeAt(0);
    if (code >= 0xac00 && code <= 0xd7a3) {
      var fin = (code - 0xac00) % 28;
      return fin === 0 ? null : fin === 8 ? "rieul" : "other";
    }
    if (/[0-9]/.test(last)) {
      var m = /[\d,]*\.?\d+$/.exec(t);
      return number_end(m[0].replace(/,/g, "").replace(/^\.+/, ""));
    }
    if (/[A-Za-z]/.test(last)) {
      var mw = /[A-Za-z]+$/.exec(t);
      var word = mw[0];
      var start = mw.index;
      var after_digit = start > 0 && /[0-9]/.test(t[start - 1]);
      var tail = word.slice(-2);
      var spelled = word.length === 1 || tail === tail.toUpperCase() || after_digit;
      return word_end(word, spelled);
    }
    return null;
  }

  /** The form of `pair` (e.g. 을(를), (으)로) that follows `word`. */
  function particle(word, pair) {
    var forms = PAIRS[pair];
    var end = final_sound(word);
    if (pair === "(으)로") return end === "other" ? forms[0] : forms[1];
    return end !== null ? forms[0] : forms[1];
  }

  /** Replace every 이(가), 을(를), ... in `text` by the form its preceding word takes. */
  function attach_particles(text) {
    var out = "";
    var last = 0;
    text.replace(PARTICLE, function (m, offset) {
      out += text.slice(last, offset);
      out += particle(out, m);
      last = offset + m.length;
      return m;
    });
    return out + text.slice(last);
  }

  return {
    set_messages: set_messages,
    format: format,
    translator: translator,
    error_text: error_text,
    final_sound: final_sound,
    attach_particles: attach_particles
  };
});
