/**
 * `<dataDir>/selrec.pid`: written by `serve` once the store is open and removed at exit,
 * so commands that must not run beside a live box (`restore`) and a second `serve` on the
 * same data directory can tell. A file whose process is gone (a crash, SIGKILL) is stale
 * and ignored; a live process counts only if its command line is a selrec `serve`.
 */
import { join } from "node:path";

/** The pid file's name in the data directory. */
export const PID_FILE = "selrec.pid";

/** True when `pid` is a live process running `serve` (read from /proc). */
export function isServeProcess(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
    return argv.includes("serve");
  } catch {
    return false;
  }
}

/** The pid of the live `serve` holding `dataDir`, or null. */
export async function runningServe(dataDir: string): Promise<number | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dataDir, PID_FILE));
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return pid !== Deno.pid && isServeProcess(pid) ? pid : null;
}

/**
 * Claims the data directory for this process; throws naming the other pid when a live
 * `serve` holds it. Returns the release function (removes the file if still ours).
 */
export async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, PID_FILE);
  const other = await runningServe(dataDir);
  if (other !== null) {
    throw new Error(`Data directory ${dataDir} is in use by selrec serve (pid ${other}, ${path})`);
  }
  await Deno.writeTextFile(path, `${Deno.pid}\n`, { mode: 0o644 });
  return async () => {
    const now = await Deno.readTextFile(path).catch(() => "");
    if (now.trim() === String(Deno.pid)) await Deno.remove(path).catch(() => {});
  };
}
