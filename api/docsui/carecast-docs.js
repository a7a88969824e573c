// Starts Swagger UI on /docs. It is a file of its own, not an inline script, because the page's
// Content-Security-Policy allows scripts from this server only. Everything it loads is served
// by carecast itself, so the page works with no internet.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    deepLinking: true,
    // Swagger UI would otherwise send the document to an online validator for a badge.
    validatorUrl: null,
    defaultModelsExpandDepth: -1,
    displayRequestDuration: true,
    tryItOutEnabled: false,
  });
})();
