// What the console refuses (a note or a request to a supervisor holding a full
// mobile, say) comes back in its box, to be corrected rather than typed again. The
// text stays in this browser tab only (sessionStorage), never on the server, and
// only until the page after the send.
(function () {
  "use strict";
  var refused = document.querySelector(".messagelist .error");
  document.querySelectorAll("form.note-form, form[data-keep-text]").forEach(
    function (form) {
      var box = form.querySelector("textarea");
      if (!box) {
        return;
      }
      var key = "icpportal:text-sent:" + form.getAttribute("action") + "#" + box.id;
      var sent = window.sessionStorage.getItem(key);
      window.sessionStorage.removeItem(key);
      if (sent !== null && refused && !box.value) {
        box.value = sent;
        var folded = form.closest("details");
        if (folded) {
          folded.open = true;
        }
        box.focus();
      }
      form.addEventListener("submit", function () {
        window.sessionStorage.setItem(key, box.value);
      });
    }
  );
})();
