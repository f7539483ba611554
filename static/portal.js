// The admin's confirmations and bulk actions without inline event handlers, which the
// Content-Security-Policy forbids (portal/headers.py): the templates mark the elements
// with data-portal-confirm / data-portal-action and this listens for their clicks.
document.addEventListener("click", function (event) {
  var confirming = event.target.closest("[data-portal-confirm]");
  if (confirming && !window.confirm(confirming.getAttribute("data-portal-confirm"))) {
    event.preventDefault();
    return;
  }
  var action = event.target.closest("[data-portal-action]");
  if (action) {
    event.preventDefault();
    window.modelActions.execute(action.getAttribute("data-portal-action"));
  }
});

// Flask-Admin's menus and tabs are links to "javascript:void(0)", whose navigation the
// policy refuses (and reports) even though it would do nothing: it is not made at all.
document.addEventListener(
  "click",
  function (event) {
    if (event.target.closest('a[href^="javascript:"]')) {
      event.preventDefault();
    }
  },
  true
);

// Flask-Admin's list search box and row checkboxes are named only by a placeholder or a
// title, which screen readers may skip: each gets a real accessible name (aria-label),
// a row's checkbox the text of its row's first column ("Chọn: Huyện Đoàn Ninh Hải").
function nameUnlabelledFields() {
  document.querySelectorAll("input, select, textarea").forEach(function (field) {
    if (field.type === "hidden" || field.getAttribute("aria-label") || field.labels.length) {
      return;
    }
    var name = field.getAttribute("placeholder") || field.getAttribute("title") || "";
    if (field.classList.contains("action-checkbox")) {
      var row = field.closest("tr");
      var cell = row && row.querySelector("td:not(.list-checkbox-column):not(.list-buttons-column)");
      if (cell && cell.textContent.trim()) {
        name = (field.getAttribute("title") || "") + ": " + cell.textContent.trim();
      }
    }
    if (name) {
      field.setAttribute("aria-label", name);
    }
  });
}
// On a phone the lists show each row as a card (portal.css): each cell is labelled with
// its column's heading.
function labelListCells() {
  document.querySelectorAll("table.model-list").forEach(function (table) {
    var headings = Array.from(table.querySelectorAll("thead th")).map(function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.from(row.children).forEach(function (cell, index) {
        if (headings[index]) {
          cell.setAttribute("data-label", headings[index]);
        }
      });
    });
  });
}
function onReady() {
  nameUnlabelledFields();
  labelListCells();
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", onReady);
} else {
  onReady();
}
