// A note the console refuses (a full mobile in it, say) comes back in its box, to be
// corrected rather than typed again. The text stays in this browser tab only
// (sessionStorage), never on the server, and only until the page after the send.
(function () {
  "use strict";
  var form = document.querySelector("form.note-form");
  if (!form) {
    return;
  }
  var box = form.querySelector("textarea");
  var key = "icpportal:note-sent:" + form.getAttribute("action");
  var sent = window.sessionStorage.getItem(key);
  window.sessionStorage.removeItem(key);
  var refused = document.querySelector(".messagelist .error");
  if (sent !== null && refused && !box.value) {
    box.value = sent;
    box.focus();
  }
  form.addEventListener("submit", function () {
    window.sessionStorage.setItem(key, box.value);
  });
})();
