// The API docs page (/api/v1/docs): Swagger UI from static/vendor/swagger-ui-dist, reading the
// OpenAPI document named by the page (data-spec-url). No remote validator, no inline script.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") { return; }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: false
  });
}());
