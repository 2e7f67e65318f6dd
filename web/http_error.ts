import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Throws the one error type the app's error handler renders. */
export function httpError(status: ContentfulStatusCode, message: string): never {
  throw new HTTPException(status, { message });
}
