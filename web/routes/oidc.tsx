/**
 * Single sign-on (OpenID Connect, src/auth/oidc_access.ts):
 * - `GET /auth/oidc/start?next=`: starts a flow (state, nonce and PKCE verifier kept
 *   server-side; the browser gets only the flow id in a 10-minute HttpOnly, SameSite=Lax
 *   cookie) and sends the browser to the provider.
 * - `GET /auth/oidc/callback`: the provider's redirect. The flow cookie is taken once;
 *   state, code, ID token (signature, issuer, audience, nonce, expiry) are checked; the
 *   session cookie is set on a page that moves on by itself, so the next request is a
 *   same-site one that carries the SameSite=Strict session cookie.
 *
 * {@link continuePage} is also the way out to the provider's end-session endpoint after
 * sign-out: a form's redirect to another origin would break `form-action 'self'`.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context.ts";
import { Layout } from "../views/layout.tsx";
import { clientIp } from "../middleware/authenticate.ts";
import { safeNext, setSessionCookie } from "./auth.tsx";
import { FLOW_MS } from "../../src/auth/oidc_flows.ts";
import { OidcUnavailable } from "../../src/auth/oidc_client.ts";

/** The flow cookie's name (`__Host-` under TLS, like the session cookie). */
function flowCookie(tls: boolean): string {
  return tls ? "__Host-selrec-oidc" : "selrec_oidc";
}

/** A page that sends the browser on to `url` (meta refresh) with a link for the rest. */
export function continuePage(
  c: Context<AppEnv>,
  url: string,
  text: string,
): Response | Promise<Response> {
  return c.html(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content={`0;url=${url}`} />
        <title>{text} · selrec</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body>
        <main>
          <p>
            {text} <a href={url}>Continue</a>
          </p>
        </main>
      </body>
    </html>,
  );
}

function ProblemPage(props: { message: string }) {
  return (
    <Layout title="Sign in" ctx={{}}>
      <p class="error" role="alert">{props.message}</p>
      <p>
        <a href="/sign-in">Back to sign-in</a>
      </p>
    </Layout>
  );
}

/** Single sign-on sub-app (mounted at `/auth/oidc`). */
export function oidcRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/start", async (c) => {
    const auth = c.get("auth");
    if (!auth.oidc) return c.html(<ProblemPage message="Single sign-on is not set up." />, 404);
    try {
      const { flowId, url } = await auth.oidc.begin(safeNext(c.req.query("next")));
      setCookie(c, flowCookie(auth.tls), flowId, {
        httpOnly: true,
        sameSite: "Lax",
        path: "/",
        secure: auth.tls,
        maxAge: FLOW_MS / 1000,
      });
      return c.redirect(url.href, 302);
    } catch (err) {
      if (!(err instanceof OidcUnavailable)) throw err;
      c.get("services").log.warn("single sign-on cannot start", { error: err.message });
      const message = `${auth.oidc.name} cannot be reached, so single sign-on is not ` +
        "possible now. Try again later; local accounts still work.";
      return c.html(<ProblemPage message={message} />, 503);
    }
  });
  r.get("/callback", async (c) => {
    const auth = c.get("auth");
    if (!auth.oidc) return c.html(<ProblemPage message="Single sign-on is not set up." />, 404);
    const name = flowCookie(auth.tls);
    const flowId = getCookie(c, name) ?? null;
    deleteCookie(c, name, { path: "/", secure: auth.tls });
    const out = await auth.oidc.complete(flowId, new URL(c.req.url).searchParams, {
      ip: clientIp(c),
      userAgent: c.req.header("User-Agent") ?? null,
    });
    switch (out.kind) {
      case "granted": {
        await setSessionCookie(c, out.session.token);
        const dest = out.next === "/" && out.user.role === "agent" ? "/agent" : out.next;
        return continuePage(c, dest, "Signed in.");
      }
      case "refused":
        return c.html(<ProblemPage message={`Sign-in refused: ${out.why}.`} />, 400);
      case "denied":
        return c.html(<ProblemPage message={`Sign-in denied: ${out.why}.`} />, 403);
      case "unavailable":
        return c.html(
          <ProblemPage message={`${auth.oidc.name} cannot be reached: try again later.`} />,
          503,
        );
    }
  });
  return r;
}
