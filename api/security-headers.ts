import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers with a Content-Security-Policy under which Swagger UI at /docs works: its scripts (bundle,
 * preset and swagger-ui-init.js) are files of our own origin, so no inline script is allowed; it needs inline styles
 * (a <style> block and style attributes) and data: images; "Try it out" fetches our own origin. No
 * upgrade-insecure-requests: the API is served over plain HTTP locally, where it would send the browser to https.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
      },
    },
    frameguard: { action: 'deny' },
  });
}
