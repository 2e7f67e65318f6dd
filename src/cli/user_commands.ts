/**
 * `user add|list|passwd|disable|enable`. Each change commits with its audit entry
 * (actor `cli`, the OS user), as the admin pages do.
 */
import { removeInitialPassword } from "../auth/first_admin.ts";
import { hashPassword, passwordProblem, randomPassword } from "../auth/password.ts";
import {
  addUser,
  findUser,
  listUsers,
  setPasswordHash,
  setUserDisabled,
  UserError,
} from "../store/queries/users.ts";
import { type AuditInput, AuditLog } from "../audit/audit_log.ts";
import { withAudit } from "../audit/audited.ts";
import type { Store } from "../store/db.ts";
import { type CliArgs, type CliIO, type Command, table, UsageError } from "./command.ts";
import { cliActor, configFor, storeFor } from "./context.ts";

/** Runs `change` on user `name` with its audit entry; false when there is no such user. */
async function auditedUserChange(
  store: Store,
  io: CliIO,
  name: string,
  entry: Omit<AuditInput, "actor" | "target">,
  change: (db: Store["db"]) => Promise<unknown>,
): Promise<boolean> {
  const user = await findUser(store.db, name);
  if (!user) return false;
  const input = { ...entry, actor: cliActor(io), target: { type: "user", id: String(user.id) } };
  await withAudit(store.db, new AuditLog(store.db), input, change);
  return true;
}

async function newPassword(args: CliArgs, io: CliIO, minLength: number): Promise<{
  password: string;
  generated: boolean;
}> {
  if (args.values["password-stdin"]) {
    const password = (await io.readStdin()).split(/\r?\n/)[0];
    const problem = passwordProblem(password, minLength);
    if (problem) throw new UsageError(problem);
    return { password, generated: false };
  }
  return { password: randomPassword(), generated: true };
}

function username(args: CliArgs): string {
  const name = args.positionals[0];
  if (!name) throw new UsageError("a username is required");
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
    throw new UsageError(`username "${name}" may only hold letters, digits and . _ @ -`);
  }
  return name;
}

export const userAddCommand: Command = {
  path: ["user", "add"],
  summary: "Add a user (the password is read from stdin, or generated and printed once)",
  usage: "NAME --role ROLE [--partitions P1,P2] [--org-unit ID] [--agent-id ID] [--password-stdin]",
  options: {
    role: { type: "string" },
    partitions: { type: "string" },
    "org-unit": { type: "string" },
    "agent-id": { type: "string" },
    "display-name": { type: "string" },
    "password-stdin": { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(args, io) {
    const name = username(args);
    const role = args.values.role as string | undefined;
    if (!role) throw new UsageError("--role is required (admin, supervisor, compliance, agent)");
    const orgUnit = args.values["org-unit"] as string | undefined;
    if (orgUnit !== undefined && !/^\d+$/.test(orgUnit)) {
      throw new UsageError(`--org-unit expects a numeric id, got "${orgUnit}"`);
    }
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    const { password, generated } = await newPassword(
      args,
      io,
      loaded.config.auth.minPasswordLength,
    );
    await using store = await storeFor(loaded);
    const orgUnitId = orgUnit ? Number(orgUnit) : null;
    const agentId = (args.values["agent-id"] as string | undefined) ?? null;
    const partitions = [
      ...new Set(
        ((args.values.partitions as string | undefined) ?? "").split(",").map((p) => p.trim())
          .filter(Boolean),
      ),
    ];
    const passwordHash = await hashPassword(password);
    try {
      const id = await withAudit(store.db, new AuditLog(store.db), (id: number) => ({
        actor: cliActor(io),
        action: "user.add",
        target: { type: "user", id: String(id) },
        details: { username: name, role, partitions, orgUnitId, agentId },
      }), (tx) =>
        addUser(tx, {
          username: name,
          passwordHash,
          role,
          displayName: args.values["display-name"] as string | undefined,
          orgUnitId,
          agentId,
          partitions,
          mustChangePassword: generated,
        }));
      if (args.values.json) {
        io.stdout(
          JSON.stringify({ id, username: name, ...(generated ? { password } : {}) }) + "\n",
        );
      } else {
        io.stdout(`added user ${name} (id ${id})\n`);
        if (generated) io.stdout(`password: ${password}\n`);
      }
      return 0;
    } catch (err) {
      if (err instanceof UserError) {
        io.stderr(err.message + "\n");
        return 1;
      }
      throw err;
    }
  },
};

export const userListCommand: Command = {
  path: ["user", "list"],
  summary: "List users",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const users = await listUsers(store.db);
    if (args.values.json) io.stdout(JSON.stringify(users) + "\n");
    else {
      io.stdout(table(
        users.map((u) => ({
          ...u,
          partitions: u.partitions.join(","),
          disabled: u.disabled ? "yes" : "",
        })),
        ["id", "username", "role", "partitions", "orgUnitId", "agentId", "disabled"],
      ));
    }
    return 0;
  },
};

export const userPasswdCommand: Command = {
  path: ["user", "passwd"],
  summary: "Set a user's password and clear any lockout",
  usage: "NAME [--password-stdin]",
  options: { "password-stdin": { type: "boolean" } },
  async run(args, io) {
    const name = username(args);
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    const { password, generated } = await newPassword(
      args,
      io,
      loaded.config.auth.minPasswordLength,
    );
    await using store = await storeFor(loaded);
    const hash = await hashPassword(password);
    const done = await auditedUserChange(
      store,
      io,
      name,
      { action: "user.reset_password", details: { generated } },
      (tx) => setPasswordHash(tx, name, hash),
    );
    if (!done) {
      io.stderr(`no user named "${name}"\n`);
      return 1;
    }
    if (name === "admin") await removeInitialPassword(loaded.config.dataDir);
    io.stdout(`password changed for ${name}\n${generated ? `password: ${password}\n` : ""}`);
    return 0;
  },
};

function disableCommand(disabled: boolean): Command {
  return {
    path: ["user", disabled ? "disable" : "enable"],
    summary: disabled ? "Disable a user and end their sessions" : "Re-enable a disabled user",
    usage: "NAME",
    async run(args, io) {
      const name = username(args);
      const loaded = await configFor(args, io);
      if (!loaded) return 2;
      await using store = await storeFor(loaded);
      const done = await auditedUserChange(
        store,
        io,
        name,
        { action: disabled ? "user.disable" : "user.enable" },
        (tx) => setUserDisabled(tx, name, disabled),
      );
      if (!done) {
        io.stderr(`no user named "${name}"\n`);
        return 1;
      }
      io.stdout(`${disabled ? "disabled" : "enabled"} ${name}\n`);
      return 0;
    },
  };
}

export const userDisableCommand = disableCommand(true);
export const userEnableCommand = disableCommand(false);
