/**
 * Security headers on every response: a CSP that allows only our own scripts, styles and
 * media (blob: for the player), nosniff, no referrer to other sites, no framing, and HSTS under TLS.
 */
import type { MiddlewareHandler } from "hono";

/** The Content-Security-Policy sent with every response. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Middleware factory; `tls` adds Strict-Transport-Security. */
export function securityHeaders(options: { tls: boolean }): MiddlewareHandler {
  const tls = options.tls;
  return async function setSecurityHeaders(c, next) {
    await next();
    const h = c.res.headers;
    h.set("Content-Security-Policy", CSP);
    h.set("X-Content-Type-Options", "nosniff");
    // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` on
    // same-origin form posts, which blinds the CSRF Origin check. Nothing leaks cross-site.
    h.set("Referrer-Policy", "same-origin");
    h.set("X-Frame-Options", "DENY");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-origin");
    h.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
    if (tls) h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  };
}
