// Scribe's one script, an enhancement only: every page works without it.
//
// Character counters: an <output data-counts="FIELD-ID"> says how many characters of the
// field's maxlength are left as the field is typed in, counting what a reader sees as one
// character (a grapheme) as the server counts it.
(function () {
  "use strict";
  var segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter() : null;
  function length(text) {
    if (!segmenter) return Array.from(text).length;
    var count = 0;
    for (var iterator = segmenter.segment(text)[Symbol.iterator](), step = iterator.next(); !step.done; step = iterator.next()) count++;
    return count;
  }
  function attach(output) {
    var field = document.getElementById(output.getAttribute("data-counts"));
    var limit = field ? Number(field.getAttribute("maxlength")) : 0;
    if (!field || !limit) return;
    function update() {
      var left = limit - length(field.value);
      output.textContent = left + (Math.abs(left) === 1 ? " character left" : " characters left");
      output.classList.toggle("over", left < 0);
    }
    field.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("output[data-counts]").forEach(attach);
})();
