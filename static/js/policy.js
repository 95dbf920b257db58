/* Sésame: live password checklist.
 *
 * A generic evaluator of the pattern rules in Policy.to_json() (see
 * pwa/policy/rules.py for the rule types): no rule is written here. Server
 * criteria are left alone; htmx refreshes them.
 *
 * Markup: <input data-policy="ID of a <script type=application/json> holding
 * the policy"> and <ul data-policy-checklist="INPUT ID"> whose
 * <li data-criterion="…"> get data-state="met|unmet" and the text of their own
 * .criterion-state span. Screen-reader announcements belong to the page's
 * aria-live region, not to this script.
 */
(function () {
  "use strict";

  var STATE_TEXT = { met: "validé", unmet: "non validé" };

  function classPattern(spec) {
    var negate = Boolean(spec.not_categories);
    var categories = negate ? spec.not_categories : spec.categories;
    var body = categories.map(function (c) { return "\\p{" + c + "}"; }).join("");
    return new RegExp("[" + (negate ? "^" : "") + body + "]", "u");
  }

  /* {criterion id: met} for every pattern criterion. Pure. */
  function evaluate(policy, password) {
    var raw = String(password);
    var text = raw.normalize(policy.normalization || "NFKC");
    var length = Array.from(text).length; // code points, as Python's len()
    var classes = {};
    Object.keys(policy.classes).forEach(function (name) {
      classes[name] = classPattern(policy.classes[name]);
    });
    var rules = {};
    policy.criteria.forEach(function (c) {
      if (c.kind === "pattern" && c.rule) rules[c.id] = c.rule;
    });
    var memo = {};

    function criterion(id) {
      if (!Object.prototype.hasOwnProperty.call(memo, id)) memo[id] = check(rules[id]);
      return memo[id];
    }

    function check(rule) {
      switch (rule.type) {
        case "min_length": return length >= rule.value;
        case "max_length": return length <= rule.value;
        case "has_class": return classes[rule["class"]].test(text);
        case "no_chars":
          return !rule.chars.some(function (c) { return text.includes(c) || raw.includes(c); });
        case "all_of": return rule.of.map(check).every(Boolean);
        case "any_of": return rule.of.map(check).some(Boolean);
        case "criterion": return criterion(rule.id);
        default: throw new Error("unknown rule type " + rule.type);
      }
    }

    var results = {};
    Object.keys(rules).forEach(function (id) { results[id] = criterion(id); });
    return results;
  }

  function ownStateSpan(item) {
    var spans = item.querySelectorAll(".criterion-state");
    for (var i = 0; i < spans.length; i++) {
      if (spans[i].closest("[data-criterion]") === item) return spans[i];
    }
    return null;
  }

  function render(input, policy) {
    // Looked up each time: htmx may have swapped the list in the meantime.
    var list = document.querySelector(
      '[data-policy-checklist="' + CSS.escape(input.id) + '"]'
    );
    if (!list) return;
    var results;
    try {
      results = evaluate(policy, input.value);
    } catch (error) {
      // A browser without Unicode property escapes (before 2018): no live
      // states, the server still checks everything.
      return;
    }
    list.querySelectorAll("[data-criterion]").forEach(function (item) {
      var id = item.getAttribute("data-criterion");
      if (!Object.prototype.hasOwnProperty.call(results, id)) return;
      var state = results[id] ? "met" : "unmet";
      var span = ownStateSpan(item);
      if (item.getAttribute("data-state") !== state) item.setAttribute("data-state", state);
      if (span && span.textContent !== STATE_TEXT[state]) span.textContent = STATE_TEXT[state];
    });
  }

  function bind(input) {
    if (input.hasAttribute("data-policy-bound")) return;
    var source = document.getElementById(input.getAttribute("data-policy"));
    if (!source) return;
    var policy;
    try {
      policy = JSON.parse(source.textContent);
    } catch (error) {
      return; // no live checklist; the server still checks on submit
    }
    input.setAttribute("data-policy-bound", "");
    input.addEventListener("input", function () { render(input, policy); });
    render(input, policy);
  }

  function init() {
    document.querySelectorAll("input[data-policy]").forEach(bind);
  }

  window.SesamePolicy = { evaluate: evaluate, init: init };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
