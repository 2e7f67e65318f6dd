/**
 * Directory sign-in and live re-checks over a {@link Directory}: the user's groups become
 * a grant ({@link grantFromGroups}), the grant is stored on the user (created or updated,
 * marked as a directory user), and the grant is audited with the group each part came
 * from (`auth.directory_grant`). A user the directory no longer grants is marked denied
 * and their sessions end; a directory that cannot be asked never yields a stale grant.
 */
import type { Db } from "../store/db.ts";
import type { User } from "../store/schema/users.ts";
import type { AuditLog } from "../audit/audit_log.ts";
import type { Logger } from "../log.ts";
import {
  denyDirectoryUser,
  DirectoryUserError,
  upsertDirectoryUser,
} from "../store/queries/user_directory.ts";
import { findOrgUnitByNames } from "../store/queries/org_units.ts";
import { findUser, listUserPartitions } from "../store/queries/users.ts";
import { type Directory, type DirectoryEntry, DirectoryUnavailable } from "./directory.ts";
import {
  type DirectoryGrant,
  grantFromGroups,
  type GroupMapping,
  orgUnitNames,
} from "./directory_grant.ts";

/** The outcome of a directory sign-in. */
export type DirectoryOutcome =
  | { kind: "granted"; user: User }
  | { kind: "invalid" }
  | { kind: "denied"; why: string }
  | { kind: "unavailable"; message: string };

/** Settings and collaborators of {@link DirectoryAccess}. */
export interface DirectoryAccessOptions {
  db: Db;
  audit: AuditLog;
  log: Logger;
  directory: Directory;
  mappings: readonly GroupMapping[];
  recheckMs: number;
  now?: () => number;
}

/** Signs directory users in and re-checks their live sessions. */
export class DirectoryAccess {
  #o: DirectoryAccessOptions;
  #now: () => number;

  constructor(options: DirectoryAccessOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Where the directory is, for messages. */
  get url(): string {
    return this.#o.directory.url;
  }

  /** True when `user` is a directory user whose grant is older than the re-check interval. */
  isDue(user: User): boolean {
    if (user.source !== "ldap") return false;
    const checked = user.directory_checked_at ? Date.parse(user.directory_checked_at) : NaN;
    return !(this.#now() - checked < this.#o.recheckMs);
  }

  /** Binds as the user and stores their grant. Audits unavailability and grants. */
  async signIn(username: string, password: string, ip: string): Promise<DirectoryOutcome> {
    let entry: DirectoryEntry | null;
    try {
      entry = await this.#o.directory.authenticate(username, password);
    } catch (err) {
      if (!(err instanceof DirectoryUnavailable)) throw err;
      this.#o.log.warn("directory sign-in failed: directory unavailable", { error: err.message });
      await this.#o.audit.append({
        actor: { type: "user", id: null, name: username.slice(0, 100) },
        action: "auth.sign_in",
        outcome: "failed",
        ip,
        details: { via: "ldap", why: "directory unavailable", error: err.message.slice(0, 300) },
      });
      return { kind: "unavailable", message: err.message };
    }
    if (!entry) return { kind: "invalid" };
    return await this.#apply(username, entry, ip, "sign-in");
  }

  /**
   * Re-checks a directory user's grant: `ok` (stored again, audited when it changed),
   * `denied` (no longer in the directory or its mapped groups: marked denied, sessions
   * ended) or `unavailable` (the directory could not be asked; the caller ends the
   * session, it does not keep the old grant).
   */
  async recheck(user: User, ip: string | null): Promise<"ok" | "denied" | "unavailable"> {
    let entry: DirectoryEntry | null;
    try {
      entry = await this.#o.directory.lookup(user.username);
    } catch (err) {
      if (!(err instanceof DirectoryUnavailable)) throw err;
      this.#o.log.warn("directory re-check failed: session ended", {
        username: user.username,
        error: err.message,
      });
      await this.#o.audit.append({
        actor: { type: "system", name: "directory" },
        action: "auth.directory_recheck",
        outcome: "failed",
        target: { type: "user", id: String(user.id) },
        ip,
        details: { username: user.username, why: "directory unavailable", error: err.message },
      });
      return "unavailable";
    }
    if (!entry) {
      await this.#deny(user.username, null, ip, "recheck", "not in the directory");
      return "denied";
    }
    const out = await this.#apply(user.username, entry, ip, "recheck", user);
    return out.kind === "granted" ? "ok" : "denied";
  }

  async #deny(
    username: string,
    dn: string | null,
    ip: string | null,
    when: "sign-in" | "recheck",
    why: string,
  ): Promise<void> {
    const existing = await findUser(this.#o.db, username);
    await this.#o.db.transaction().execute(async (tx) => {
      if (existing?.source === "ldap") {
        await denyDirectoryUser(tx, existing.id, new Date(this.#now()).toISOString());
      }
      await this.#o.audit.append({
        actor: { type: when === "sign-in" ? "user" : "system", name: username.slice(0, 100) },
        action: "auth.directory_grant",
        outcome: "denied",
        target: existing ? { type: "user", id: String(existing.id) } : null,
        ip,
        details: { via: "ldap", when, dn, why },
      }, tx);
    });
  }

  async #apply(
    username: string,
    entry: DirectoryEntry,
    ip: string | null,
    when: "sign-in" | "recheck",
    before?: User,
  ): Promise<DirectoryOutcome> {
    const grant = grantFromGroups(entry.groups, this.#o.mappings);
    if (!grant) {
      await this.#deny(username, entry.dn, ip, when, "in no mapped group");
      return { kind: "denied", why: "your directory account is in no group that has access" };
    }
    const orgUnitId = await this.#orgUnit(grant);
    const now = new Date(this.#now()).toISOString();
    const beforeParts = before ? await listUserPartitions(this.#o.db, before.id) : [];
    try {
      return await this.#o.db.transaction().execute(async (tx) => {
        const { user, created } = await upsertDirectoryUser(tx, {
          username,
          dn: entry.dn,
          displayName: entry.displayName,
          role: grant.role,
          partitions: grant.partitions,
          orgUnitId,
        }, now);
        if (when === "sign-in" || changed(before, beforeParts, user, grant)) {
          await this.#o.audit.append({
            actor: { type: when === "sign-in" ? "user" : "system", id: user.id, name: username },
            action: "auth.directory_grant",
            target: { type: "user", id: String(user.id) },
            ip,
            details: {
              via: "ldap",
              when,
              created,
              dn: entry.dn,
              role: grant.role,
              partitions: grant.partitions,
              orgUnit: grant.orgUnit,
              orgUnitId,
              sources: grant.sources,
            },
          }, tx);
        }
        return { kind: "granted" as const, user };
      });
    } catch (err) {
      if (!(err instanceof DirectoryUserError)) throw err;
      this.#o.log.error("directory grant refused", { username, error: err.message });
      await this.#deny(username, entry.dn, ip, when, err.message);
      return { kind: "denied", why: "your directory account cannot be used here" };
    }
  }

  async #orgUnit(grant: DirectoryGrant): Promise<number | null> {
    if (grant.orgUnit === null) return null;
    const id = await findOrgUnitByNames(this.#o.db, orgUnitNames(grant.orgUnit));
    if (id === null) {
      this.#o.log.warn("auth.ldap mapping names an org unit that does not exist", {
        orgUnit: grant.orgUnit,
      });
    }
    return id;
  }
}

/** True when a re-check changed the stored grant (then it is audited again). */
function changed(
  before: User | undefined,
  beforeParts: readonly string[],
  after: User,
  grant: DirectoryGrant,
): boolean {
  if (!before) return true;
  return before.role !== grant.role || before.org_unit_id !== after.org_unit_id ||
    before.directory_denied === 1 || beforeParts.join("\n") !== grant.partitions.join("\n");
}
