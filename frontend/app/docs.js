// Starts Swagger UI for docs.html (kept out of the page: the CSP forbids inline script).
// Loaded with `defer` after swagger-ui-bundle.js, which defines the SwaggerUIBundle global.
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({
  // Relative to the app root (see docs.html), so it works under a sub-path too.
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The default validator badge fetches validator.swagger.io; nothing may leave the host.
  validatorUrl: null,
});
