// Swagger UI's initializer, in a file of its own: the app's Content-Security-Policy allows no inline script.
window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
    // The document names its own servers; nothing is fetched from elsewhere (no validator badge).
    validatorUrl: null,
    persistAuthorization: false,
  });
});
