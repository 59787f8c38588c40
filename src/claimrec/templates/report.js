// Script of the HTML report (inlined into index.html). It reads the page only: no data is embedded here.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  // Hover text for the bars: Vega-Lite writes each bar's description as its aria-label (escaped); an SVG
  // <title> with the same text makes the browser show it on hover. textContent keeps it text.
  document.querySelectorAll(".chart svg [role='graphics-symbol'][aria-label]").forEach(function (mark) {
    var title = document.createElementNS(SVG, "title");
    title.textContent = mark.getAttribute("aria-label");
    mark.appendChild(title);
  });

  function cellKey(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var sort = cell.getAttribute("data-sort");
    return sort !== null ? sort : cell.textContent.trim();
  }

  function compare(a, b) {
    var x = parseFloat(a), y = parseFloat(b);
    var xNum = a !== "" && !isNaN(x), yNum = b !== "" && !isNaN(y);
    if (xNum && yNum) return x - y;
    if (xNum !== yNum) return xNum ? -1 : 1;  // numbers before blanks and words
    return a.localeCompare(b);
  }

  // A click on a column header sorts the table by that column; a second click reverses the order.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var descending = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var order = compare(cellKey(r1, index), cellKey(r2, index));
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  });

  // A filter box shows only the rows whose text contains what is typed (any case).
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    var shown = document.querySelector("[data-shown='" + table.id + "']");
    function apply() {
      var words = input.value.trim().toLowerCase();
      var count = 0, rows = table.tBodies[0].rows;
      Array.prototype.forEach.call(rows, function (row) {
        var show = words === "" || row.textContent.toLowerCase().indexOf(words) !== -1;
        row.hidden = !show;
        if (show) count += 1;
      });
      shown.textContent = count + " of " + rows.length + " rows";
    }
    input.addEventListener("input", apply);
    apply();
  });
})();
