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

// Flask-Admin's date pickers (bootstrap-daterangepicker, drawn with moment.js) in
// Vietnamese on a Vietnamese page: month and day names from moment's locale, the weeks
// starting on Monday, and the buttons' labels added to every picker's options.
var PORTAL_DATE_LABELS = {
  applyLabel: "Áp dụng",
  cancelLabel: "Hủy",
  fromLabel: "Từ",
  toLabel: "Đến",
  weekLabel: "Tuần",
  customRangeLabel: "Khoảng khác",
};
function vietnameseDatePickers() {
  if (document.documentElement.lang !== "vi" || !window.moment || !window.jQuery) {
    return;
  }
  var months = [];
  for (var month = 1; month <= 12; month++) {
    months.push("Tháng " + month);
  }
  window.moment.locale("vi", {
    months: months,
    monthsShort: months,
    weekdays: ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
    weekdaysShort: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
    weekdaysMin: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
    week: { dow: 1, doy: 4 },
  });
  // After every script has loaded (the picker's own comes after this file on list pages),
  // before Flask-Admin's form.js styles the fields (its ready handler is registered later).
  window.jQuery(function ($) {
    var original = $.fn.daterangepicker;
    if (!original || original.portalWrapped) {
      return;
    }
    $.fn.daterangepicker = function (options, callback) {
      var given = options || {};
      var locale = $.extend({}, PORTAL_DATE_LABELS, given.locale);
      return original.call(this, $.extend({}, given, { locale: locale }), callback);
    };
    $.fn.daterangepicker.portalWrapped = true;
  });
}
vietnameseDatePickers();
