/**
 * The seam between directory sign-in and the directory server: what selrec asks of a
 * directory, the errors it may answer with, and {@link DirectoryAccess}, which turns an
 * entry into a stored user with its grant. The LDAP adapter is ldap_directory.ts.
 */

/** A user as the directory knows them. */
export interface DirectoryEntry {
  dn: string;
  displayName: string | null;
  /** DNs of the groups the user is in, nested ones included. */
  groups: string[];
}

/** A directory server. */
export interface Directory {
  /** Binds as the user; null for wrong credentials or no such user. */
  authenticate(username: string, password: string): Promise<DirectoryEntry | null>;
  /**
   * Reads the user's entry and groups without their password (a live re-check); null
   * when the user no longer exists. Throws {@link DirectoryUnavailable} when the
   * directory cannot be asked (down, TLS failure, no service account).
   */
  lookup(username: string): Promise<DirectoryEntry | null>;
  /** Where the directory is, for messages (`ldaps://dc1.example.com`). */
  readonly url: string;
}

/** The directory could not answer: unreachable, TLS refused, timed out, misconfigured. */
export class DirectoryUnavailable extends Error {
  override name = "DirectoryUnavailable";
}
