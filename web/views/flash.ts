/**
 * One-shot success messages after a redirect (post/redirect/get): the action sets a short
 * cookie, the next page rendered through `pageContext()` shows it once (with
 * `role="status"`, see views/layout.tsx) and clears it. A cookie rather than a query
 * parameter, so a link cannot make the UI claim an action that never happened.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context.ts";

const COOKIE = "selrec_flash";
const MAX_CHARS = 300;

/** Remembers `message` for the next page this browser renders. */
export function setFlash(c: Context<AppEnv>, message: string): void {
  // hono's setCookie and getCookie URI-encode and decode the value.
  setCookie(c, COOKIE, message.slice(0, MAX_CHARS), {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: c.get("auth")?.tls ?? false,
    maxAge: 120,
  });
}

/** The pending message, if any, cleared so it shows once. */
export function takeFlash(c: Context<AppEnv>): string | undefined {
  const raw = getCookie(c, COOKIE);
  if (raw === undefined) return undefined;
  deleteCookie(c, COOKIE, { path: "/", secure: c.get("auth")?.tls ?? false });
  return raw.slice(0, MAX_CHARS) || undefined;
}

/** Sets the message and answers 303 to `location`. */
export function redirectWithFlash(
  c: Context<AppEnv>,
  location: string,
  message: string,
): Response {
  setFlash(c, message);
  return c.redirect(location, 303);
}
