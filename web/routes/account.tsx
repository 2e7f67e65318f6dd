/**
 * `GET|POST /account/password`: a signed-in user changes their own password. Users
 * whose password was generated or reset by an admin (`must_change_password`) are sent
 * here before anything else ({@link requirePasswordChange}).
 */
import { removeInitialPassword } from "../../src/auth/first_admin.ts";
import { Hono } from "hono";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { CsrfField, Layout } from "../views/layout.tsx";
import { pageContext } from "../views/page.ts";
import { httpError } from "../http_error.ts";
import { redirectWithFlash } from "../views/flash.ts";
import { clientIp } from "../middleware/authenticate.ts";
import { hashPassword, passwordProblem, verifyPassword } from "../../src/auth/password.ts";
import {
  changeOwnPassword,
  findUserById,
  mustChangePassword,
} from "../../src/store/queries/users.ts";

const PATH = "/account/password";
const EXEMPT = /^\/(static\/|sign-out$|sign-in$|healthz|account\/password$)/;

async function mustChange(c: Parameters<MiddlewareHandler<AppEnv>>[0]): Promise<boolean> {
  const p = c.get("principal");
  if (!p || c.get("via") !== "session" || p.userId === null) return false;
  return await mustChangePassword(c.get("services").store.db, p.userId);
}

/** Sends users who must change their password to the change form (pages only). */
export function requirePasswordChange(): MiddlewareHandler<AppEnv> {
  return async function passwordChangeGate(c, next) {
    if (c.req.method === "GET" && !EXEMPT.test(c.req.path) && await mustChange(c)) {
      return c.redirect(PATH, 303);
    }
    await next();
  };
}

function PasswordPage(
  props: { ctx: ReturnType<typeof pageContext>; error?: string; forced: boolean },
) {
  return (
    <Layout title="Change password" ctx={props.ctx}>
      <form method="post" action={PATH} class="signin">
        {props.forced && <p>Your password was set for you. Choose your own before you go on.</p>}
        {props.error && <p class="error" role="alert">{props.error}</p>}
        <CsrfField token={props.ctx.csrfToken} />
        <label>
          Current password{" "}
          <input name="current" type="password" autocomplete="current-password" required />
        </label>
        <label>
          New password{" "}
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength={12}
          />
        </label>
        <label>
          Repeat new password{" "}
          <input
            name="repeat"
            type="password"
            autocomplete="new-password"
            required
            minlength={12}
          />
        </label>
        <button type="submit">Change password</button>
      </form>
    </Layout>
  );
}

/** Account sub-app, mounted at `/`. */
export function accountRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get(PATH, async (c) => {
    if (!c.get("principal") || c.get("via") !== "session") return c.redirect("/sign-in", 303);
    return c.html(<PasswordPage ctx={pageContext(c)} forced={await mustChange(c)} />);
  });
  r.post(PATH, async (c) => {
    const p = c.get("principal");
    if (!p || c.get("via") !== "session" || p.userId === null) httpError(401, "sign in first");
    const svc = c.get("services");
    const body = await c.req.parseBody();
    const current = typeof body.current === "string" ? body.current : "";
    const password = typeof body.password === "string" ? body.password : "";
    const repeat = typeof body.repeat === "string" ? body.repeat : "";
    const user = await findUserById(svc.store.db, p.userId);
    if (!user) httpError(401, "sign in first");
    const forced = user.must_change_password === 1;
    const fail = (error: string) =>
      c.html(<PasswordPage ctx={pageContext(c)} forced={forced} error={error} />, 400);
    if (!await verifyPassword(current, user.password_hash)) {
      return fail("The current password is wrong.");
    }
    if (password !== repeat) return fail("The new passwords differ.");
    if (password === current) return fail("Choose a password different from the current one.");
    const problem = passwordProblem(password, svc.config.auth.minPasswordLength);
    if (problem) return fail(`The new ${problem}.`);
    const hash = await hashPassword(password);
    await svc.store.db.transaction().execute(async (tx) => {
      await changeOwnPassword(tx, user.id, hash, new Date().toISOString());
      await svc.audit.append({
        actor: { type: "user", id: user.id, name: user.username },
        action: "user.password_change",
        target: { type: "user", id: String(user.id) },
        ip: clientIp(c),
        details: { forced },
      }, tx);
    });
    if (user.username === "admin") await removeInitialPassword(svc.config.dataDir);
    return redirectWithFlash(c, "/", "Password changed.");
  });
  return r;
}
