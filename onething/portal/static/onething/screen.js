/* The call screen: asks for new calls every 0.5 s (304 until something changes, see
   onething/portal/ticket_views.py), redraws the list and, when switched on, reads each
   new call aloud with the browser's speechSynthesis ("请A012号到3号窗口"). */
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-calls-url");
  var etag = '"' + body.getAttribute("data-version") + '"';
  var list = document.getElementById("calls");
  var latest = document.getElementById("latest");
  var offline = document.getElementById("screen-offline");
  var toggle = document.getElementById("speech-toggle");
  var onLabel = document.getElementById("speech-on-label").textContent;
  var offLabel = document.getElementById("speech-off-label").textContent;
  var speaking = false;
  var seen = null;  // code + time of the newest call shown

  if ("speechSynthesis" in window && toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      speaking = !speaking;
      toggle.setAttribute("aria-pressed", speaking ? "true" : "false");
      toggle.textContent = speaking ? onLabel : offLabel;
      if (speaking) { say(latest.textContent); }  // also unlocks audio after a click
    });
  }

  function say(text) {
    if (!speaking || !text) { return; }
    var u = new SpeechSynthesisUtterance(text);
    u.lang = body.getAttribute("data-speech-lang") || "zh-CN";
    window.speechSynthesis.speak(u);
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }

  function draw(calls) {
    var fresh = [];
    for (var i = 0; i < calls.length; i++) {
      var key = calls[i].code + "@" + calls[i].at;
      if (key === seen) { break; }
      fresh.push(calls[i]);
    }
    if (calls.length) { seen = calls[0].code + "@" + calls[0].at; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    calls.forEach(function (c) {
      var row = document.createElement("tr");
      cell(row, c.code); cell(row, String(c.window)); cell(row, c.name);
      list.appendChild(row);
    });
    if (calls.length) { latest.textContent = calls[0].label; }
    fresh.reverse().forEach(function (c) { say(c.text); });
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("If-None-Match", etag);
    xhr.timeout = 5000;
    xhr.onload = function () {
      offline.hidden = true;
      if (xhr.status === 200) {
        etag = xhr.getResponseHeader("ETag") || etag;
        draw(JSON.parse(xhr.responseText).calls);
      }
      setTimeout(poll, 500);
    };
    xhr.onerror = xhr.ontimeout = function () {
      offline.hidden = false;
      setTimeout(poll, 3000);
    };
    xhr.send();
  }
  seen = body.getAttribute("data-latest") || null;
  setTimeout(poll, 500);
})();
