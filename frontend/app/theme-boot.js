// A classic (blocking) script in <head>: set the theme before the first paint so that a
// page saved as "light" never flashes dark, or the other way round. theme.js does the rest.
(function () {
  var saved = null;
  try {
    saved = localStorage.getItem("sshgate.theme");
  } catch (e) {
    saved = null;
  }
  var dark = saved === "dark" || (saved !== "light" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
})();
