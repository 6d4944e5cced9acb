// Partnerships forms: the zone side is a platform or a company, never both; team size only for teams.
(function () {
  "use strict";
  function exclusive(a, b) {
    if (!a || !b) return;
    a.addEventListener("change", function () { if (a.value) b.value = ""; });
    b.addEventListener("change", function () { if (b.value) a.value = ""; });
  }
  exclusive(document.getElementById("platform_id"), document.getElementById("company_id"));

  var category = document.getElementById("category");
  var teamOnly = document.querySelector("[data-team-only]");
  if (category && teamOnly) {
    var sync = function () { teamOnly.classList.toggle("d-none", category.value !== "team"); };
    category.addEventListener("change", sync);
    sync();
  }
})();
