/** `user add|list|passwd|disable|enable`. */
import { hashPassword, passwordProblem, randomPassword } from "../auth/password.ts";
import {
  addUser,
  listUsers,
  setPasswordHash,
  setUserDisabled,
  UserError,
} from "../store/queries/users.ts";
import { type CliArgs, type CliIO, type Command, table, UsageError } from "./command.ts";
import { configFor, storeFor } from "./context.ts";

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
    try {
      const id = await addUser(store.db, {
        username: name,
        passwordHash: await hashPassword(password),
        role,
        displayName: args.values["display-name"] as string | undefined,
        orgUnitId: orgUnit ? Number(orgUnit) : null,
        agentId: args.values["agent-id"] as string | undefined,
        partitions: ((args.values.partitions as string | undefined) ?? "").split(",").map((p) =>
          p.trim()
        ).filter(Boolean),
        mustChangePassword: generated,
      });
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
    if (!await setPasswordHash(store.db, name, await hashPassword(password))) {
      io.stderr(`no user named "${name}"\n`);
      return 1;
    }
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
      if (!await setUserDisabled(store.db, name, disabled)) {
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
