/**
 * TOTP second factor in the UI:
 * - `GET|POST /sign-in/code`: the second step of a sign-in for users with MFA; the first
 *   step left a short-lived challenge cookie (src/auth/mfa_challenge.ts).
 * - `GET|POST /account/mfa`: enrolment. GET shows a new secret once (QR code, the
 *   otpauth:// URI and the base32 text); POST confirms it with a code and shows the ten
 *   recovery codes once. Enrolled users see their status.
 * - {@link requireMfaEnrolment}: users of a role in `auth.mfa.requiredRoles` without a
 *   second factor are sent to enrolment before anything else.
 */
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { raw } from "hono/html";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context.ts";
import { CsrfField, Layout } from "../views/layout.tsx";
import { pageContext } from "../views/page.ts";
import { httpError } from "../http_error.ts";
import { clientIp } from "../middleware/authenticate.ts";
import { safeNext, setSessionCookie } from "./auth.tsx";
import { beginEnrolment, confirmEnrolment, mfaRequired } from "../../src/auth/mfa.ts";
import { CHALLENGE_MS } from "../../src/auth/mfa_challenge.ts";
import { totpQrSvg, totpUri } from "../../src/auth/totp.ts";
import { countUnusedRecoveryCodes, findMfa, hasConfirmedMfa } from "../../src/store/queries/mfa.ts";
import { findUserById } from "../../src/store/queries/users.ts";

const ENROL = "/account/mfa";
const EXEMPT = /^\/(static\/|sign-out$|sign-in(\/code)?$|healthz|account\/(password|mfa)$)/;

/** The challenge cookie's name (`__Host-` under TLS, like the session cookie). */
function challengeCookie(tls: boolean): string {
  return tls ? "__Host-selrec-mfa" : "selrec_mfa";
}

/** Starts the second step: sets the challenge cookie and sends the browser to the code form. */
export function toCodeStep(c: Context<AppEnv>, challenge: string, next: string): Response {
  const auth = c.get("auth");
  setCookie(c, challengeCookie(auth.tls), challenge, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: auth.tls,
    maxAge: CHALLENGE_MS / 1000,
  });
  return c.redirect(`/sign-in/code?next=${encodeURIComponent(next)}`, 303);
}

async function needsEnrolment(c: Context<AppEnv>): Promise<boolean> {
  const p = c.get("principal");
  if (!p || c.get("via") !== "session" || p.userId === null) return false;
  const svc = c.get("services");
  if (!mfaRequired(p.role, svc.config.auth.mfa.requiredRoles)) return false;
  if (await hasConfirmedMfa(svc.store.db, p.userId)) return false;
  // Single sign-on users' second factor is the provider's (auth.oidc.requireAmr checks it).
  return (await findUserById(svc.store.db, p.userId))?.source !== "oidc";
}

/** Sends users whose role requires MFA and who have none to enrolment (pages redirect, the rest 403). */
export function requireMfaEnrolment(): MiddlewareHandler<AppEnv> {
  return async function mfaEnrolmentGate(c, next) {
    if (!EXEMPT.test(c.req.path) && await needsEnrolment(c)) {
      if (c.req.method === "GET") return c.redirect(ENROL, 303);
      httpError(403, "set up two-factor sign-in at /account/mfa first");
    }
    await next();
  };
}

function CodePage(props: { next: string; error?: string }) {
  return (
    <Layout title="Sign-in code" ctx={{}}>
      <form method="post" action="/sign-in/code" class="signin">
        {props.error && <p class="error" role="alert">{props.error}</p>}
        <input type="hidden" name="next" value={props.next} />
        <label>
          Code from your authenticator app, or a recovery code{" "}
          <input name="code" autocomplete="one-time-code" inputmode="numeric" required autofocus />
        </label>
        <button type="submit">Verify</button>
      </form>
    </Layout>
  );
}

type PageCtx = ReturnType<typeof pageContext>;

function EnrolPage(
  props: { ctx: PageCtx; secret: string; uri: string; required: boolean; error?: string },
) {
  return (
    <Layout title="Two-factor sign-in" ctx={props.ctx}>
      {props.required && <p>Your role requires two-factor sign-in. Set it up to go on.</p>}
      {props.error && <p class="error" role="alert">{props.error}</p>}
      <p>
        Scan the code with an authenticator app (or enter the key by hand), then enter the six-digit
        code it shows. This key is shown only now.
      </p>
      <div class="qr">{raw(totpQrSvg(props.uri))}</div>
      <p>
        Key: <code id="mfa-secret">{props.secret}</code>
      </p>
      <p>
        <small>
          URI: <code id="mfa-uri">{props.uri}</code>
        </small>
      </p>
      <form method="post" action={ENROL} class="signin">
        <CsrfField token={props.ctx.csrfToken} />
        <label>
          Code <input name="code" autocomplete="one-time-code" inputmode="numeric" required />
        </label>
        <button type="submit">Turn on</button>
      </form>
    </Layout>
  );
}

function DonePage(props: { ctx: PageCtx; codes?: string[]; remaining?: number }) {
  return (
    <Layout title="Two-factor sign-in" ctx={props.ctx}>
      <p>Two-factor sign-in is on.</p>
      {props.codes && (
        <>
          <p>
            Recovery codes — each works once instead of a code. Store them now; they are not shown
            again:
          </p>
          <ul id="recovery-codes">
            {props.codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ul>
          <p>
            <a href="/">Continue</a>
          </p>
        </>
      )}
      {props.remaining !== undefined && <p>{props.remaining} recovery codes left.</p>}
    </Layout>
  );
}

function signedInUser(c: Context<AppEnv>): { id: number; name: string } {
  const p = c.get("principal");
  if (!p || c.get("via") !== "session" || p.userId === null) httpError(401, "sign in first");
  return { id: p.userId, name: p.name };
}

/** The MFA sub-app, mounted at `/`. */
export function mfaRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/sign-in/code", (c) => {
    if (!getCookie(c, challengeCookie(c.get("auth").tls))) return c.redirect("/sign-in", 303);
    return c.html(<CodePage next={safeNext(c.req.query("next"))} />);
  });
  r.post("/sign-in/code", async (c) => {
    const auth = c.get("auth");
    const body = await c.req.parseBody();
    const next = safeNext(typeof body.next === "string" ? body.next : undefined);
    const code = typeof body.code === "string" ? body.code.slice(0, 64) : "";
    const token = getCookie(c, challengeCookie(auth.tls)) ?? "";
    const result = await auth.authenticator.secondFactor(token, code, {
      ip: clientIp(c),
      userAgent: c.req.header("User-Agent") ?? null,
    });
    if (!result.ok) {
      if (result.reason === "throttled") {
        c.header("Retry-After", String(result.retryAfterSeconds));
        return c.html(<CodePage next={next} error="Too many attempts. Try again later." />, 429);
      }
      if (result.reason === "expired" || !result.retry) {
        deleteCookie(c, challengeCookie(auth.tls), { path: "/", secure: auth.tls });
        return c.redirect("/sign-in?ended=code", 303);
      }
      const error = result.why === "code already used"
        ? "That code was already used. Wait for the next one."
        : "Wrong code.";
      return c.html(<CodePage next={next} error={error} />, 401);
    }
    deleteCookie(c, challengeCookie(auth.tls), { path: "/", secure: auth.tls });
    await setSessionCookie(c, result.session.token);
    return c.redirect(next === "/" && result.user.role === "agent" ? "/agent" : next, 303);
  });
  r.get(ENROL, async (c) => {
    const me = signedInUser(c);
    const svc = c.get("services");
    const db = svc.store.db;
    if (await hasConfirmedMfa(db, me.id)) {
      return c.html(
        <DonePage ctx={pageContext(c)} remaining={await countUnusedRecoveryCodes(db, me.id)} />,
      );
    }
    const secret = (await beginEnrolment(db, me.id, c.get("auth").now()))!;
    const uri = totpUri(secret, svc.config.auth.mfa.issuer, me.name);
    c.header("Cache-Control", "no-store");
    return c.html(
      <EnrolPage
        ctx={pageContext(c)}
        secret={secret}
        uri={uri}
        required={await needsEnrolment(c)}
      />,
    );
  });
  r.post(ENROL, async (c) => {
    const me = signedInUser(c);
    const svc = c.get("services");
    const body = await c.req.parseBody();
    const code = typeof body.code === "string" ? body.code.slice(0, 64) : "";
    const result = await svc.store.db.transaction().execute(async (tx) => {
      const out = await confirmEnrolment(tx, me.id, code, c.get("auth").now());
      if (out.ok) {
        await svc.audit.append({
          actor: { type: "user", id: me.id, name: me.name },
          action: "auth.mfa_enrol",
          target: { type: "user", id: String(me.id) },
          ip: clientIp(c),
          details: { method: "totp", recoveryCodes: out.recoveryCodes.length },
        }, tx);
      }
      return out;
    });
    if (!result.ok) {
      const error = `Not turned on: ${result.why}.`;
      // The pending key is shown again to the one who just saw it; a new one if none waits.
      const pending = await findMfa(svc.store.db, me.id);
      const secret = pending && pending.confirmed_at === null
        ? pending.secret
        : await beginEnrolment(svc.store.db, me.id, c.get("auth").now());
      if (secret === null) return c.redirect(ENROL, 303);
      const uri = totpUri(secret, svc.config.auth.mfa.issuer, me.name);
      c.header("Cache-Control", "no-store");
      return c.html(
        <EnrolPage ctx={pageContext(c)} secret={secret} uri={uri} required={false} error={error} />,
        400,
      );
    }
    c.header("Cache-Control", "no-store");
    return c.html(<DonePage ctx={pageContext(c)} codes={result.recoveryCodes} />);
  });
  return r;
}
