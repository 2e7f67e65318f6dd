/** The first start of an empty database: the org root and the `admin` user. */
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { addUser, countUsers } from "../store/queries/users.ts";
import { addOrgUnit } from "../store/queries/org_units.ts";
import { hashPassword, randomPassword } from "./password.ts";

/**
 * Creates the user `admin` when there are no users: with `password`, or with a random
 * one that is logged once and must be changed at the first sign-in.
 */
export async function ensureFirstAdmin(
  db: Db,
  log: Logger,
  password: string | undefined,
): Promise<void> {
  if (await countUsers(db) > 0) return;
  const generated = password === undefined || password === "";
  const secret = generated ? randomPassword() : password;
  // The admin sits at the root of the org hierarchy, so hierarchy scope lets it see all.
  const root = await addOrgUnit(db, "Organization", null);
  await addUser(db, {
    orgUnitId: root.id,
    username: "admin",
    passwordHash: await hashPassword(secret),
    role: "admin",
    displayName: "Administrator",
    partitions: ["*"],
    mustChangePassword: generated,
  });
  if (generated) {
    log.warn("created first user admin with a random password; change it after signing in", {
      username: "admin",
      password: secret,
    });
  } else {
    log.info("created first user admin with the password from SELREC_ADMIN_PASSWORD", {
      username: "admin",
    });
  }
}
