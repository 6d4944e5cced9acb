// Starts Swagger UI on the API's own OpenAPI document (a file, so the page's CSP needs no inline script).
window.addEventListener("load", function () {
  var root = document.getElementById("api-reference");
  window.ui = SwaggerUIBundle({url: root.dataset.specUrl, dom_id: "#api-reference", deepLinking: true,
                               persistAuthorization: false, tryItOutEnabled: false});
});
