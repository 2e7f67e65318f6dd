/**
 * Resolves a recording's file from its storage root and relative path, refusing anything
 * that could leave the root: absolute paths, `..`/`.`/empty segments, backslashes, NUL,
 * and symlinks that point outside (checked on the real paths). URL ids never become paths:
 * routes look recordings up by id in the database and only then call this.
 */
import { join, sep } from "node:path";

/** Returns the real path of the file, or null when it is missing or outside `root`. */
export async function resolveInside(root: string, rel: string): Promise<string | null> {
  if (rel.length === 0 || rel.length > 1024 || rel.startsWith("/")) return null;
  if (/[\0\\]/.test(rel)) return null;
  if (rel.split("/").some((s) => s === "" || s === "." || s === "..")) return null;
  try {
    const realRoot = await Deno.realPath(root);
    const real = await Deno.realPath(join(realRoot, rel));
    if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return null;
    const info = await Deno.stat(real);
    return info.isFile ? real : null;
  } catch {
    return null;
  }
}
