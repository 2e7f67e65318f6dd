/**
 * `/admin/tokens` (users.manage): create a token (the value is shown once) and revoke one
 * (asks first; web/views/confirm.tsx). A token must have at least one scope and an expiry of
 * 1-366 days (src/auth/api_tokens.ts `tokenProblem`); a refused one re-shows the form
 * with the reason naming the field. Each change is audited in its transaction.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { httpError } from "../http_error.ts";
import { listUsers } from "../../src/store/queries/users.ts";
import { listTokens, revokeToken } from "../../src/store/queries/tokens.ts";
import { API_SCOPES, createApiToken, TOKEN_DAYS } from "../../src/auth/api_tokens.ts";
import { PERMISSIONS } from "../../src/auth/permissions.ts";
import { type TokenDraft, TokensPage } from "../views/admin_tokens_view.tsx";
import { pageContext } from "../views/page.ts";
import { redirectWithFlash } from "../views/flash.ts";
import { confirmationPage, isConfirmed } from "../views/confirm.tsx";
import { audited, optId, pathId, text } from "./admin_forms.ts";

const TOKENS = "/admin/tokens";

async function tokensPage(
  c: Context<AppEnv>,
  o: { created?: string; error?: string; draft?: TokenDraft } = {},
) {
  const db = c.get("services").store.db;
  return c.html(
    <TokensPage
      ctx={pageContext(c)}
      tokens={await listTokens(db)}
      users={await listUsers(db)}
      permissions={[...PERMISSIONS, ...API_SCOPES]}
      now={new Date(c.get("auth").now()).toISOString()}
      {...o}
    />,
    o.error ? 400 : 200,
  );
}

/** Tokens sub-app, mounted at /admin. */
export function adminTokenRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use("/tokens", requirePermission("users.manage"));
  r.use("/tokens/*", requirePermission("users.manage"));
  r.get("/tokens", (c) => tokensPage(c));
  r.post("/tokens", async (c) => {
    const body = await c.req.parseBody({ all: true });
    const scopes = ([] as unknown[]).concat(body.scopes ?? []).filter((s): s is string =>
      typeof s === "string"
    );
    const draft: TokenDraft = {
      name: text(body, "name", 64),
      scopes,
      userId: optId(body, "user_id"),
      agentId: text(body, "agent_id", 64),
      days: text(body, "expires_days", 6),
    };
    const now = new Date(c.get("auth").now());
    if (!/^\d{1,4}$/.test(draft.days)) {
      return tokensPage(c, {
        draft,
        error: `Expires in: a whole number of days, ${TOKEN_DAYS.min}-${TOKEN_DAYS.max}.`,
      });
    }
    const spec = {
      name: draft.name,
      scopes,
      userId: draft.userId,
      agentId: draft.agentId || null,
      expiresAt: new Date(now.getTime() + Number(draft.days) * 86_400_000),
    };
    let token = "";
    try {
      await audited(c, (id: number) => ({
        action: "token.create",
        target: { type: "token", id: String(id) },
        details: {
          name: spec.name,
          scopes,
          userId: spec.userId,
          agentId: spec.agentId,
          expiresAt: spec.expiresAt.toISOString(),
        },
      }), async (tx) => {
        const created = await createApiToken(tx, spec, now);
        token = created.token;
        return created.id;
      });
    } catch (err) {
      const msg = err instanceof RangeError
        ? err.message.replace(/^Cannot create token "[^"]*": /, "")
        : /UNIQUE/.test(String((err as Error).message))
        ? `name: a token named "${spec.name}" exists`
        : null;
      if (msg === null) throw err;
      return tokensPage(c, { draft, error: `Not created: ${msg}.` });
    }
    return tokensPage(c, { created: token });
  });
  r.post("/tokens/:id/revoke", async (c) => {
    const id = pathId(c);
    const body = await c.req.parseBody();
    const token = (await listTokens(c.get("services").store.db)).find((t) => t.id === id);
    if (id === null || !token || token.revokedAt) httpError(404, "no live token with this id");
    if (!isConfirmed(body)) {
      return confirmationPage(c, body, {
        question: `Revoke token ${token.name}? Whatever uses it stops working at once.`,
        label: `Revoke ${token.name}`,
        cancelHref: TOKENS,
      });
    }
    const now = new Date(c.get("auth").now()).toISOString();
    await audited(
      c,
      { action: "token.revoke", target: { type: "token", id: String(id) } },
      async (tx) => {
        if (!await revokeToken(tx, id, now)) httpError(404, "no live token with this id");
      },
    );
    return redirectWithFlash(c, TOKENS, `Token ${token.name} revoked.`);
  });
  return r;
}
