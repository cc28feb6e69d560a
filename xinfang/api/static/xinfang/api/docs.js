// /api/v1/docs/: starts Swagger UI on the schema named by the page (xinfang/api/templates/api/docs.html).
// A static file rather than drf-spectacular's inline script, so that the CSP script-src 'self' holds.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  const csrfToken = root.dataset.csrfToken || "";
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // No call home: the online validator badge would fetch from the internet.
    validatorUrl: null,
    // "Try it out" with the session (same origin): Django's CSRF check wants the token on writes.
    requestInterceptor: function (request) {
      if (!["GET", "HEAD", "OPTIONS"].includes((request.method || "GET").toUpperCase())) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
})();
