// Who else has this filing open: the page says it is here every few seconds
// (short polling) and shows the answer. A closed page simply stops saying so and
// drops out after three missed beats (a goodbye on leaving would also fire on the
// way to an override's confirmation, still on this filing). Without script, the
// sentence the server wrote when the page loaded stays.
(function () {
  "use strict";
  var line = document.getElementById("presence");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!line || !token || !window.fetch) {
    return;
  }
  var url = line.getAttribute("data-url");
  var seconds = parseInt(line.getAttribute("data-seconds"), 10) || 30;

  function body() {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token.value);
    return data;
  }

  function beat() {
    if (document.hidden) {
      return;
    }
    fetch(url, { method: "POST", body: body(), credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (said) {
        if (!said) {
          return;
        }
        line.textContent = said.sentence || "";
        line.hidden = !said.sentence;
      })
      .catch(function () {});
  }

  window.setInterval(beat, seconds * 1000);
  document.addEventListener("visibilitychange", beat);
})();
