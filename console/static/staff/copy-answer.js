// "Copy" beside each answer script: puts its words on the clipboard and counts the
// use. Without script (or a clipboard) the button stays hidden and the words are
// there to select by hand.
(function () {
  "use strict";
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!navigator.clipboard || !token) {
    return;
  }
  document.querySelectorAll("button.copy-answer").forEach(function (button) {
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-text")).innerText;
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 2000);
        var data = new FormData();
        data.append("csrfmiddlewaretoken", token.value);
        fetch(button.getAttribute("data-count-url"), {
          method: "POST",
          body: data,
          credentials: "same-origin",
        }).catch(function () {});
      });
    });
  });
})();
