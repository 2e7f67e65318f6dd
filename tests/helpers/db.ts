/** Reading the server's SQLite database from a test while the server runs. */
import { DatabaseSync } from "node:sqlite";

/** Runs one read-only query; rows are plain objects. */
export function query<T>(dbPath: string, sql: string, ...params: (string | number)[]): T[] {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return (db.prepare(sql).all(...params) as T[]).map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

/** Polls `fn` every 50 ms until it returns a truthy value; throws after `ms`. */
export async function waitFor<T>(
  what: string,
  fn: () => T | null | undefined,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const v = fn();
      if (v) return v;
    } catch {
      // the database may be busy for a moment
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until the server has answered a two-stream call; returns label → RTP port. */
export async function waitForStreamPorts(dbPath: string): Promise<(label: string) => number> {
  const streams = await waitFor("the recording's streams", () => {
    const rows = query<{ label: string; port: number }>(dbPath, "SELECT label, port FROM streams");
    return rows.length === 2 ? rows : null;
  });
  return (label) => {
    const s = streams.find((x) => x.label === label);
    if (!s) throw new Error(`no stream labelled "${label}"`);
    return s.port;
  };
}
