/** `token add|list|revoke`: API tokens for routing strategies and agent desktops. */
import { API_SCOPES, createApiToken, TOKEN_DAYS } from "../auth/api_tokens.ts";
import { PERMISSIONS } from "../auth/permissions.ts";
import { listTokens, revokeToken } from "../store/queries/tokens.ts";
import { findUser } from "../store/queries/users.ts";
import { AuditLog } from "../audit/audit_log.ts";
import { withAudit } from "../audit/audited.ts";
import { type Command, table, UsageError } from "./command.ts";
import { cliActor, configFor, storeFor } from "./context.ts";

export const tokenAddCommand: Command = {
  path: ["token", "add"],
  summary: "Create an API token; the token is printed once and only its hash is stored",
  usage:
    "--name NAME --scope SCOPE[,SCOPE] [--user NAME] [--agent-id ID] [--expires-days N] [--json]",
  help: `Scopes: ${[...API_SCOPES, ...PERMISSIONS].join(", ")}.\n` +
    "`decisions` grants POST /api/v1/decisions and `metrics` GET /metrics (neither needs a user);\n" +
    "`pause.own` with --agent-id serves an agent desktop; every other scope needs --user.\n" +
    `A token expires after --expires-days (${TOKEN_DAYS.min}-${TOKEN_DAYS.max}, default ` +
    `${TOKEN_DAYS.default}).`,
  options: {
    name: { type: "string" },
    scope: { type: "string", multiple: true },
    user: { type: "string" },
    "agent-id": { type: "string" },
    "expires-days": { type: "string" },
    json: { type: "boolean" },
  },
  async run(args, io) {
    const name = args.values.name as string | undefined;
    if (!name) throw new UsageError("--name is required");
    const scopes = ((args.values.scope as string[] | undefined) ?? []).flatMap((s) => s.split(","))
      .map((s) => s.trim()).filter(Boolean);
    if (scopes.length === 0) throw new UsageError("at least one --scope is required");
    const daysText = (args.values["expires-days"] as string | undefined) ??
      String(TOKEN_DAYS.default);
    if (!/^\d{1,4}$/.test(daysText)) throw new UsageError("--expires-days: a whole number of days");
    const expiresAt = new Date(Date.now() + Number(daysText) * 86_400_000);
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    let userId: number | null = null;
    const userName = args.values.user as string | undefined;
    if (userName) {
      const u = await findUser(store.db, userName);
      if (!u) {
        io.stderr(`no user named "${userName}"\n`);
        return 1;
      }
      userId = u.id;
    }
    try {
      const agentId = (args.values["agent-id"] as string | undefined) ?? null;
      const { id, token, expiresAt: expires } = await withAudit(
        store.db,
        new AuditLog(store.db),
        ({ id }: { id: number }) => ({
          actor: cliActor(io),
          action: "token.create",
          target: { type: "token", id: String(id) },
          details: { name, scopes, userId, agentId, expiresAt: expiresAt.toISOString() },
        }),
        (tx) => createApiToken(tx, { name, scopes, userId, agentId, expiresAt }),
      );
      if (args.values.json) {
        io.stdout(JSON.stringify({ id, name, scopes, token, expiresAt: expires }) + "\n");
      } else {
        io.stdout(
          `created token ${name} (id ${id}, scopes ${scopes.join(",")}, expires ${expires})\n` +
            `token: ${token}\n`,
        );
      }
      return 0;
    } catch (err) {
      if (err instanceof RangeError || /UNIQUE/.test(String(err))) {
        io.stderr(
          `${
            /UNIQUE/.test(String(err)) ? `token name "${name}" is taken` : (err as Error).message
          }\n`,
        );
        return 1;
      }
      throw err;
    }
  },
};

export const tokenListCommand: Command = {
  path: ["token", "list"],
  summary: "List API tokens (never their values)",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const rows = await listTokens(store.db);
    if (args.values.json) io.stdout(JSON.stringify(rows) + "\n");
    else {io.stdout(
        table(
          rows as unknown as Record<string, unknown>[],
          Object.keys(rows[0] ?? { id: 0, name: "" }),
        ),
      );}
    return 0;
  },
};

export const tokenRevokeCommand: Command = {
  path: ["token", "revoke"],
  summary: "Revoke an API token by id",
  usage: "ID",
  async run(args, io) {
    const id = Number(args.positionals[0]);
    if (!Number.isInteger(id)) throw new UsageError("a numeric token id is required");
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const revoked = await store.db.transaction().execute(async (tx) => {
      if (!await revokeToken(tx, id, new Date().toISOString())) return false;
      await new AuditLog(store.db).append({
        actor: cliActor(io),
        action: "token.revoke",
        target: { type: "token", id: String(id) },
      }, tx);
      return true;
    });
    if (!revoked) {
      io.stderr(`no live token with id ${id}\n`);
      return 1;
    }
    io.stdout(`revoked token ${id}\n`);
    return 0;
  },
};
