/**
 * Sign-in and sign-out. `GET /sign-in` shows the form, `POST /sign-in` checks the
 * password (per-IP backoff, account lockout, see src/auth/sign_in.ts) and sets a fresh
 * session cookie — the old session, if any, is deleted (no fixation). `POST /sign-out`
 * deletes the session row and clears the cookie.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context.ts";
import { Layout } from "../views/layout.tsx";
import { clientIp } from "../middleware/authenticate.ts";
import { toCodeStep } from "./mfa.tsx";
import { continuePage } from "./oidc.tsx";

/** A local path to go to after sign-in, else `/`. */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) ? next : "/";
}

/** Why a session ended, shown on the sign-in page (`?ended=`). */
const ENDED: Record<string, string> = {
  directory: "Your session ended: the directory could not be reached to re-check your access. " +
    "Sign in again when it is back.",
  revoked: "Your session ended: the directory no longer grants you access to selrec.",
  code: "Too many wrong codes, or the sign-in took too long. Enter your password again.",
};

/** Replaces any old session cookie with a fresh session's (no fixation). */
export async function setSessionCookie(c: Context<AppEnv>, token: string): Promise<void> {
  const auth = c.get("auth");
  const old = getCookie(c, auth.cookieName);
  if (old) await auth.sessions.destroy(old);
  setCookie(c, auth.cookieName, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: auth.tls,
    maxAge: auth.sessions.maxAgeSeconds,
  });
}

/** The single sign-on provider's name when `auth.oidc` is set (for the button). */
function ssoName(c: Context<AppEnv>): string | undefined {
  return c.get("auth").oidc?.name;
}

function SignInPage(
  props: { error?: string; next: string; username?: string; sso?: string },
) {
  return (
    <Layout title="Sign in" ctx={{}}>
      <form method="post" action="/sign-in" class="signin">
        {props.error && <p class="error" role="alert">{props.error}</p>}
        <input type="hidden" name="next" value={props.next} />
        <label>
          Username{" "}
          <input name="username" autocomplete="username" required value={props.username ?? ""} />
        </label>
        <label>
          Password{" "}
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit">Sign in</button>
      </form>
      {props.sso && (
        <p class="sso">
          <a class="button" href={`/auth/oidc/start?next=${encodeURIComponent(props.next)}`}>
            Sign in with {props.sso}
          </a>
        </p>
      )}
    </Layout>
  );
}

/** Sign-in/out sub-app. */
export function authRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/sign-in", (c) => {
    if (c.get("principal") && c.get("via") === "session") return c.redirect("/", 303);
    const ended = ENDED[c.req.query("ended") ?? ""];
    return c.html(
      <SignInPage next={safeNext(c.req.query("next"))} error={ended} sso={ssoName(c)} />,
    );
  });
  r.post("/sign-in", async (c) => {
    const auth = c.get("auth");
    const body = await c.req.parseBody();
    const username = typeof body.username === "string" ? body.username.trim() : "";
    const password = typeof body.password === "string" ? body.password : "";
    const next = safeNext(typeof body.next === "string" ? body.next : undefined);
    const result = await auth.authenticator.signIn(username, password, {
      ip: clientIp(c),
      userAgent: c.req.header("User-Agent") ?? null,
    });
    if (result.ok === "second-factor") return toCodeStep(c, result.challenge, next);
    if (!result.ok) {
      if (result.reason === "unavailable" || result.reason === "denied") {
        const status = result.reason === "unavailable" ? 503 : 403;
        return c.html(
          <SignInPage next={next} username={username} error={result.message} sso={ssoName(c)} />,
          status,
        );
      }
      if (result.reason === "throttled") {
        c.header("Retry-After", String(result.retryAfterSeconds));
        return c.html(
          <SignInPage
            next={next}
            username={username}
            error="Too many attempts. Try again later."
            sso={ssoName(c)}
          />,
          429,
        );
      }
      return c.html(
        <SignInPage
          next={next}
          username={username}
          error="Sign-in failed: wrong username or password."
          sso={ssoName(c)}
        />,
        401,
      );
    }
    await setSessionCookie(c, result.session.token);
    const dest = next === "/" && result.user.role === "agent" ? "/agent" : next;
    return c.redirect(dest, 303);
  });
  r.post("/sign-out", async (c) => {
    const auth = c.get("auth");
    const cookie = getCookie(c, auth.cookieName);
    // A single sign-on session also ends at the provider (RP-initiated logout).
    const session = c.get("session");
    const providerLogout = session && auth.oidc ? await auth.oidc.logoutUrl(session.id) : null;
    if (cookie) await auth.sessions.destroy(cookie);
    const p = c.get("principal");
    if (p && c.get("via") === "session") {
      await c.get("services").audit.append({
        actor: { type: "user", id: p.id, name: p.name },
        action: "auth.sign_out",
        ip: clientIp(c),
      });
    }
    deleteCookie(c, auth.cookieName, { path: "/", secure: auth.tls });
    if (providerLogout) {
      return continuePage(c, providerLogout.href, `Signed out. Signing out at ${auth.oidc?.name}…`);
    }
    return c.redirect("/sign-in", 303);
  });
  return r;
}
