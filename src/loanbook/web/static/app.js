// Loanbook: a few lines of plain JavaScript; every page works without it.
// A form submits once (a double click does not post twice), and the cited clause scrolls into view.
document.addEventListener("submit", function (e) {
  var button = e.target.querySelector("button[type=submit], button:not([type])");
  if (e.target.method === "post" && button) {
    setTimeout(function () { button.disabled = true; }, 0);
  }
});
document.addEventListener("DOMContentLoaded", function () {
  var mark = document.getElementById("clause");
  if (mark && mark.scrollIntoView) { mark.scrollIntoView({ block: "center" }); }
});
