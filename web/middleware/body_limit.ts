/**
 * Request body limits on every route, answering 413 before the body is buffered: sign-in
 * and the UI's forms take {@link FORM_BODY_BYTES}, the `/api/` routes take the configured
 * `http.maxApiBodyBytes`.
 *
 * Hono's `bodyLimit` does the counting, and it streams: a declared `Content-Length` over
 * the limit is refused without reading a byte, and a chunked body is read chunk by chunk
 * into a buffer that never grows past the limit, refused as soon as the count passes it.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { httpError } from "../http_error.ts";

/** The limit for sign-in and the form posts of the UI. */
export const FORM_BODY_BYTES = 16 * 1024;

/** Options for {@link bodyLimits}. */
export interface BodyLimitOptions {
  /** Limit for paths under `/api/` (config `http.maxApiBodyBytes`). */
  apiBytes: number;
  /** Limit for every other path; default {@link FORM_BODY_BYTES}. */
  formBytes?: number;
}

/** Middleware factory: a body limit chosen by path, 413 naming the limit beyond it. */
export function bodyLimits(options: BodyLimitOptions): MiddlewareHandler {
  const formBytes = options.formBytes ?? FORM_BODY_BYTES;
  for (const [name, v] of [["apiBytes", options.apiBytes], ["formBytes", formBytes]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`Cannot limit request bodies: ${name} ${v} is not a positive integer`);
    }
  }
  const limiter = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => httpError(413, `request body is larger than ${maxSize} bytes`),
    });
  const api = limiter(options.apiBytes);
  const form = limiter(formBytes);
  return async function limitBody(c, next) {
    return await (c.req.path.startsWith("/api/") ? api : form)(c, next);
  };
}
