/**
 * The first start of an empty database: the org root and the `admin` user. A generated
 * password goes to `<dataDir>/initial-admin-password` (0600), never to the log (the
 * journal keeps lines for months); the file is deleted once admin has changed it.
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { addUser, countUsers, findUser } from "../store/queries/users.ts";
import { addOrgUnit } from "../store/queries/org_units.ts";
import { hashPassword, randomPassword } from "./password.ts";

/** The file holding the generated first admin password, in the data directory. */
export const INITIAL_PASSWORD_FILE = "initial-admin-password";

/** Path of {@link INITIAL_PASSWORD_FILE} in `dataDir`. */
export function initialPasswordPath(dataDir: string): string {
  return join(dataDir, INITIAL_PASSWORD_FILE);
}

/**
 * Deletes the initial password file once admin no longer has to change the generated
 * password (they changed it, or an admin set one). Returns true when it removed it.
 */
export async function forgetInitialPassword(db: Db, dataDir: string): Promise<boolean> {
  const admin = await findUser(db, "admin");
  if (admin && admin.must_change_password === 1) return false;
  return await removeInitialPassword(dataDir);
}

/** Deletes the initial password file (its password is no longer admin's); true if it was there. */
export async function removeInitialPassword(dataDir: string): Promise<boolean> {
  try {
    await Deno.remove(initialPasswordPath(dataDir));
    return true;
  } catch {
    return false;
  }
}

async function writePasswordFile(path: string, secret: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, `username: admin\npassword: ${secret}\n`, { mode: 0o600 });
  await Deno.chmod(tmp, 0o600);
  await Deno.rename(tmp, path);
}

/**
 * Creates the user `admin` when there are no users: with `password`, or with a random
 * one written to `<dataDir>/initial-admin-password` (0600) that must be changed at the
 * first sign-in. Also removes that file once it is no longer needed.
 */
export async function ensureFirstAdmin(
  db: Db,
  log: Logger,
  password: string | undefined,
  dataDir: string | null = null,
): Promise<void> {
  if (await countUsers(db) > 0) {
    if (dataDir !== null && await forgetInitialPassword(db, dataDir)) {
      log.info("removed the initial admin password file: the password was changed", {
        file: initialPasswordPath(dataDir),
      });
    }
    return;
  }
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
  if (generated && dataDir !== null) {
    const file = initialPasswordPath(dataDir);
    await writePasswordFile(file, secret);
    log.warn(
      `created first user admin with a random password in ${file} (mode 0600); ` +
        "sign in and change it: the file is then deleted",
      { username: "admin", passwordFile: file },
    );
  } else if (generated) {
    log.warn("created first user admin with a random password; set one with selrec user passwd", {
      username: "admin",
    });
  } else {
    log.info("created first user admin with the password from SELREC_ADMIN_PASSWORD", {
      username: "admin",
    });
  }
}
