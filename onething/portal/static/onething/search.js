/* The header search: the page carries the short placeholder, which fits anywhere (a
   phone at 320 px in elder mode); where the field has room for the longer one with its
   examples (shuidian), that one is shown instead. The field's name is its label. */
(function () {
  "use strict";
  var box = document.getElementById("site-search-q");
  var long = box && box.getAttribute("data-placeholder-long");
  if (!long) { return; }
  var short = box.getAttribute("placeholder") || "";
  var canvas = document.createElement("canvas").getContext("2d");
  var choose = function () {
    var style = window.getComputedStyle(box);
    canvas.font = style.fontWeight + " " + style.fontSize + " " + style.fontFamily;
    var room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    box.setAttribute("placeholder", canvas.measureText(long).width <= room ? long : short);
  };
  choose();
  window.addEventListener("resize", choose);
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(choose); }
}());
