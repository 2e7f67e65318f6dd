/**
 * `POST /admin/users/:id/mfa/reset` (users.manage): removes a user's second factor and
 * recovery codes and ends their sessions, audited (`user.mfa_reset`) in the same
 * transaction, once confirmed (web/views/confirm.tsx). The user enrols again at the next
 * sign-in when their role requires it.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { auditActor } from "../recording_access.ts";
import { httpError } from "../http_error.ts";
import { deleteMfa } from "../../src/store/queries/mfa.ts";
import { findUserById } from "../../src/store/queries/users.ts";
import { deleteUserSessions } from "../../src/store/queries/sessions.ts";
import { confirmationPage, isConfirmed } from "../views/confirm.tsx";
import { redirectWithFlash } from "../views/flash.ts";

/** The MFA reset route, mounted under /admin. */
export function adminMfaRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use("/users/:id/mfa/reset", requirePermission("users.manage"));
  r.post("/users/:id/mfa/reset", async (c) => {
    const id = Number(c.req.param("id"));
    const svc = c.get("services");
    const user = Number.isInteger(id) ? await findUserById(svc.store.db, id) : undefined;
    if (!user) httpError(404, "not found");
    const body = await c.req.parseBody();
    if (!isConfirmed(body)) {
      return confirmationPage(c, body, {
        question: `Remove the second factor of ${user.username}? Their sessions end; they ` +
          "enrol again at the next sign-in when their role requires it.",
        label: "Reset MFA",
        cancelHref: "/admin/users",
      });
    }
    await svc.store.db.transaction().execute(async (tx) => {
      const had = await deleteMfa(tx, user.id);
      await deleteUserSessions(tx, user.id);
      await svc.audit.append({
        ...auditActor(c),
        action: "user.mfa_reset",
        target: { type: "user", id: String(user.id) },
        details: { username: user.username, hadMfa: had },
      }, tx);
    });
    return redirectWithFlash(
      c,
      "/admin/users",
      `Second factor of ${user.username} removed; their sessions were ended.`,
    );
  });
  return r;
}
