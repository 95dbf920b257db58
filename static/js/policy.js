/* Sésame: live password checklist.
 *
 * A generic evaluator of the pattern rules in Policy.to_json() (see
 * pwa/policy/rules.py for the rule types): no rule is written here. Server
 * criteria are left alone; htmx refreshes them.
 *
 * Markup: <input data-policy="ID of a <script type=application/json> holding
 * the policy"> and <div data-policy-checklist="INPUT ID"> whose
 * <li data-criterion="…"> get data-state="met|unmet" and the text of their own
 * .criterion-state span. Then the list is arranged as the server renders it
 * (templates/_password_checklist.html): top-level rules not met in
 * [data-checklist-todo], met ones in [data-checklist-done] inside a collapsed
 * <details> whose summary counts them; in a rule made of parts (ul[data-parts])
 * the missing parts first; data-order keeps the declaration order otherwise.
 * Screen-reader announcements belong to the page's aria-live region, not to
 * this script.
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

  function items(list) {
    return Array.prototype.filter.call(list.children, function (li) {
      return li.hasAttribute("data-criterion");
    });
  }

  function byOrder(a, b) {
    return Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
  }

  function isMet(li) { return li.getAttribute("data-state") === "met"; }
  function notMet(li) { return !isMet(li); }

  /* Puts `wanted` in `list`, in that order; touches nothing when already so. */
  function place(list, wanted) {
    var current = items(list);
    var same = current.length === wanted.length &&
      current.every(function (li, i) { return li === wanted[i]; });
    if (!same) wanted.forEach(function (li) { list.appendChild(li); });
  }

  function arrange(box) {
    box.querySelectorAll("ul[data-parts]").forEach(function (list) {
      var parts = items(list).sort(byOrder);
      place(list, parts.filter(notMet).concat(parts.filter(isMet)));
    });
    var todo = box.querySelector("[data-checklist-todo]");
    var done = box.querySelector("[data-checklist-done]");
    var group = box.querySelector("[data-checklist-group]");
    var count = box.querySelector("[data-checklist-count]");
    if (!todo || !done || !group || !count) return;
    var top = items(todo).concat(items(done)).sort(byOrder);
    var met = top.filter(isMet);
    place(todo, top.filter(notMet));
    place(done, met);
    todo.hidden = met.length === top.length;
    group.hidden = met.length === 0;
    var plural = met.length > 1 ? "s" : "";
    var text = met.length + " règle" + plural + " respectée" + plural;
    if (count.textContent !== text) count.textContent = text;
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
    arrange(list);
  }

  /* The instant checks again, for what is typed now (after htmx swapped the list). */
  function refresh(input) {
    var source = document.getElementById(input.getAttribute("data-policy"));
    if (!source) return;
    try {
      render(input, JSON.parse(source.textContent));
    } catch (error) {
      // no live checklist; the server still checks on submit
    }
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

  // Page-wide listeners, once: htmx runs this file again with each password page.
  if (!window.SesamePolicy) {
    // The confirmation is checked before sending: a mismatch never leaves the page, so
    // the first field keeps what was typed, and the message says which field to retype.
    // (Without JavaScript the server says it; it never writes a password back.)
    function confirmationProblem(first, confirm) {
      var here = "« " + confirm.labels[0].textContent.trim() + " »";
      if (!confirm.value) return "Tapez une deuxième fois votre mot de passe ici, dans " + here + ".";
      if (confirm.value === first.value) return "";
      return "Les deux mots de passe ne sont pas identiques. Le premier est gardé dans « " +
        first.labels[0].textContent.trim() + " » : retapez-le ici, dans " + here + ".";
    }

    function showConfirmationError(confirm, text) {
      var id = confirm.id + "-error";
      var error = document.getElementById(id);
      if (!error) {
        error = document.createElement("p");
        error.className = "error-message";
        error.id = id;
        var anchor = confirm.closest(".password-wrap") || confirm;
        anchor.parentNode.insertBefore(error, anchor);
        var described = (confirm.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (described.indexOf(id) < 0) confirm.setAttribute("aria-describedby", described.concat(id).join(" "));
      }
      var prefix = document.createElement("span");
      prefix.className = "visually-hidden";
      prefix.textContent = "Erreur :";
      error.replaceChildren(prefix, document.createTextNode(" " + text));
      confirm.closest(".field").classList.add("field-has-error");
      confirm.setAttribute("aria-invalid", "true");
      confirm.value = "";
      confirm.focus();
    }

    document.addEventListener("submit", function (event) {
      var confirm = event.target.querySelector && event.target.querySelector("input[data-confirms]");
      var first = confirm && document.getElementById(confirm.dataset.confirms);
      if (!first || !first.value || !confirm.labels.length || !first.labels.length) return;
      var problem = confirmationProblem(first, confirm);
      if (!problem) return;
      event.preventDefault();
      event.stopImmediatePropagation(); // htmx's boosted submit too: nothing is sent
      showConfirmationError(confirm, problem);
    }, true);

    // The met rules' line stays open (or closed) when htmx brings the server's checklist.
    var checklistOpen = {};
    document.addEventListener("toggle", function (event) {
      var group = event.target;
      var box = group.closest && group.closest("[data-policy-checklist]");
      if (box && group.matches("[data-checklist-group]")) checklistOpen[box.dataset.policyChecklist] = group.open;
    }, true);
    function keepOpen() {
      document.querySelectorAll("[data-policy-checklist]").forEach(function (box) {
        var group = box.querySelector("[data-checklist-group]");
        var open = !!checklistOpen[box.dataset.policyChecklist];
        if (group && group.open !== open) group.open = open;
      });
    }
    document.addEventListener("htmx:afterSwap", keepOpen);
  }

  window.SesamePolicy = { evaluate: evaluate, init: init, refresh: refresh };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
