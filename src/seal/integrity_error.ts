/**
 * The one error every read path raises when stored bytes are not what the box wrote: a
 * sealed chunk that fails AES-GCM authentication, a truncated or reordered sealed file, or
 * a plain file whose SHA-256 no longer matches the stored digest. Web routes map it to
 * 409 "recording failed its integrity check"; the bytes are never served.
 *
 * @module
 */

/** Stored bytes failed verification; `path` names the file, `detail` says how. */
export class IntegrityError extends Error {
  override readonly name = "IntegrityError";
  constructor(readonly path: string, readonly detail: string) {
    super(`${path}: recording failed its integrity check (${detail})`);
  }
}
