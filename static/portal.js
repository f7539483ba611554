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
