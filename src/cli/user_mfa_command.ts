/**
 * `selrec user mfa-reset NAME`: removes a user's TOTP second factor and recovery codes
 * and ends their sessions, audited (`user.mfa_reset`, actor `cli`). The way back in for an
 * admin who lost both their authenticator and their recovery codes: whoever can run the
 * CLI on the box can already read its database.
 */
import { findUser } from "../store/queries/users.ts";
import { deleteMfa } from "../store/queries/mfa.ts";
import { deleteUserSessions } from "../store/queries/sessions.ts";
import { AuditLog } from "../audit/audit_log.ts";
import { type Command, UsageError } from "./command.ts";
import { cliActor, configFor, storeFor } from "./context.ts";

/** The `user mfa-reset` command. */
export const userMfaResetCommand: Command = {
  path: ["user", "mfa-reset"],
  summary: "Remove a user's second factor (they enrol again) and end their sessions",
  usage: "NAME",
  async run(args, io) {
    const name = args.positionals[0];
    if (!name) throw new UsageError("a username is required");
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const user = await findUser(store.db, name);
    if (!user) {
      io.stderr(`no user named "${name}"\n`);
      return 1;
    }
    const audit = new AuditLog(store.db);
    const had = await store.db.transaction().execute(async (tx) => {
      const had = await deleteMfa(tx, user.id);
      await deleteUserSessions(tx, user.id);
      await audit.append({
        actor: cliActor(io),
        action: "user.mfa_reset",
        target: { type: "user", id: String(user.id) },
        details: { username: user.username, hadMfa: had },
      }, tx);
      return had;
    });
    io.stdout(had ? `second factor removed for ${name}\n` : `${name} had no second factor\n`);
    return 0;
  },
};
