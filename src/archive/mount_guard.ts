/**
 * The mount guard: before anything is written to an archive target, the target must be
 * the filesystem it claims to be. For mounted types (nfs, cifs, bind, fuse) its directory
 * must be a mountpoint — `st_dev` differs from its parent's (bind mounts of the same
 * filesystem excepted) and `/proc/self/mountinfo` lists it with the expected type and
 * source — and for every type, including `local`, the volume-ID sentinel must match the
 * ID stored at `selrec storage init-target`. An unmounted mountpoint directory is an
 * ordinary directory on the root filesystem: writing there is what this prevents.
 *
 * These functions touch the target, so they run inside the copy worker subprocess, where
 * a hung mount can be killed (see copy_worker.ts).
 */
import { dirname, join } from "node:path";

/** The sentinel file at a target's root, holding the volume ID. */
export const SENTINEL = ".selrec-volume";

/** What the guard checks a target against. */
export interface TargetSpec {
  name: string;
  path: string;
  type: string;
  source?: string | null;
  /** The ID stored at init-target; null when the target was never initialised. */
  volumeId: string | null;
}

/** Why a target was refused. */
export type GuardCode = "not-mounted" | "wrong-mount" | "no-sentinel" | "wrong-volume" | "io";

/** The guard's verdict; `dev` is the target root's device, to compare new files against. */
export type GuardResult =
  | { ok: true; dev: number; root: string }
  | { ok: false; code: GuardCode; reason: string };

/** One line of /proc/self/mountinfo. */
export interface MountEntry {
  mountPoint: string;
  root: string;
  fsType: string;
  source: string;
}

const unescape = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * Parses /proc/self/mountinfo (proc(5)): `id parent maj:min root mountpoint options
 * [optional...] - fstype source superoptions`. Lines it cannot read are skipped.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    const sep = f.indexOf("-", 6);
    if (f.length < 10 || sep < 0 || f.length < sep + 3) continue;
    out.push({
      root: unescape(f[3]),
      mountPoint: unescape(f[4]),
      fsType: f[sep + 1],
      source: unescape(f[sep + 2]),
    });
  }
  return out;
}

/** True when a mounted filesystem type satisfies the configured one. */
export function typeMatches(expected: string, actual: string): boolean {
  if (expected === "bind") return true;
  if (expected.startsWith("nfs")) return actual === "nfs" || actual === "nfs4";
  if (expected === "cifs") return actual === "cifs" || actual === "smb3";
  if (expected.startsWith("fuse")) return actual === expected || /^fuse(\.|$)/.test(actual);
  return actual === expected;
}

const trimSlash = (s: string) => s.length > 1 ? s.replace(/\/+$/, "") : s;

/**
 * Checks that `path` (a real path) is a mountpoint of the expected kind, given the mount
 * table text. The topmost mount on a path is the last one listed.
 */
export function checkMountTable(
  spec: TargetSpec,
  path: string,
  mountinfo: string,
): GuardResult | null {
  const entry = parseMountinfo(mountinfo).findLast((e) => e.mountPoint === path);
  if (!entry) {
    return { ok: false, code: "not-mounted", reason: `"${path}" is not a mountpoint` };
  }
  if (!typeMatches(spec.type, entry.fsType)) {
    return {
      ok: false,
      code: "wrong-mount",
      reason: `"${path}" is mounted as ${entry.fsType}, expected ${spec.type}`,
    };
  }
  if (spec.source && spec.type !== "bind" && trimSlash(entry.source) !== trimSlash(spec.source)) {
    return {
      ok: false,
      code: "wrong-mount",
      reason: `"${path}" is mounted from "${entry.source}", expected "${spec.source}"`,
    };
  }
  return null;
}

/** The mountpoint part of the guard (no sentinel); for init-target and {@link guardTarget}. */
export async function guardMount(spec: TargetSpec): Promise<GuardResult> {
  let root: string;
  let dev: number;
  try {
    root = await Deno.realPath(spec.path);
    dev = (await Deno.stat(root)).dev;
  } catch (err) {
    return {
      ok: false,
      code: "io",
      reason: `Cannot stat "${spec.path}": ${(err as Error).message}`,
    };
  }
  if (spec.type === "local") return { ok: true, dev, root };
  if (spec.type !== "bind" && root !== "/" && (await Deno.stat(dirname(root))).dev === dev) {
    return {
      ok: false,
      code: "not-mounted",
      reason: `"${root}" is on the same device as its parent (not mounted)`,
    };
  }
  const refused = checkMountTable(spec, root, await Deno.readTextFile("/proc/self/mountinfo"));
  return refused ?? { ok: true, dev, root };
}

/** The whole guard: the mountpoint checks, then the volume-ID sentinel. */
export async function guardTarget(spec: TargetSpec): Promise<GuardResult> {
  const mount = await guardMount(spec);
  if (!mount.ok) return mount;
  if (spec.volumeId === null) {
    return {
      ok: false,
      code: "no-sentinel",
      reason:
        `target "${spec.name}" is not initialised: run selrec storage init-target ${spec.name}`,
    };
  }
  let found: string;
  try {
    found = (await Deno.readTextFile(join(mount.root, SENTINEL))).trim();
  } catch (err) {
    return {
      ok: false,
      code: "no-sentinel",
      reason: `Cannot read ${SENTINEL} on "${mount.root}": ${(err as Error).message}`,
    };
  }
  if (found !== spec.volumeId) {
    return {
      ok: false,
      code: "wrong-volume",
      reason: `volume ID on "${mount.root}" is "${found}", expected "${spec.volumeId}"`,
    };
  }
  return mount;
}

/**
 * Writes the sentinel (durably) after the mountpoint checks, or adopts an existing one;
 * returns the volume ID.
 */
export async function writeSentinel(spec: TargetSpec): Promise<string> {
  const mount = await guardMount(spec);
  if (!mount.ok) throw new Error(mount.reason);
  const file = join(mount.root, SENTINEL);
  try {
    const existing = (await Deno.readTextFile(file)).trim();
    if (existing) return existing;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const id = crypto.randomUUID();
  const tmp = `${file}.tmp`;
  {
    using f = await Deno.open(tmp, { write: true, create: true, truncate: true });
    await f.write(new TextEncoder().encode(id + "\n"));
    await f.sync();
  }
  await Deno.rename(tmp, file);
  using d = await Deno.open(mount.root, { read: true });
  await d.sync();
  return id;
}
