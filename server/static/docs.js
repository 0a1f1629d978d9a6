// Starts Swagger UI on /docs; kept out of the page so the Content-Security-Policy can forbid inline script.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl || "/openapi.json",
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
  });
})();
