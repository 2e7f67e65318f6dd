/**
 * Shared steps of the agent directory integration tests: running the real `selrec` CLI,
 * reading the directory it prints, checking that an applied import changed exactly what
 * its dry run printed, and seeding recordings of given agents.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ROOT, type TestServer } from "./server.ts";

/** What one CLI run printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `selrec ARGS --config CONFIG` as its own process. */
export async function selrec(config: string, args: string[], stdin = ""): Promise<CliRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args, "--config", config],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** An agent as `selrec agents list --json --removed` prints it. */
export interface ListedAgent {
  id: string;
  name: string | null;
  extension: string | null;
  unit: string;
  source: string;
  state: string;
  dn: string | null;
}

/** The whole directory, removed agents included, by id. */
export async function listDirectory(config: string): Promise<Map<string, ListedAgent>> {
  const run = await selrec(config, ["agents", "list", "--json", "--removed"]);
  assert.equal(run.code, 0, run.stderr);
  const rows = JSON.parse(run.stdout) as ListedAgent[];
  return new Map(rows.map((r) => [r.id, { ...r, state: r.state.split(" ")[0] }]));
}

/** The plan lines of a dry run or real run (everything before the summary). */
export function planLinesOf(stdout: string): string[] {
  const lines = stdout.trimEnd().split("\n");
  return lines.filter((l) => /^(unit|add|move|rename|update|remove)\s/.test(l));
}

/** The digest a run printed. */
export function digestOf(stdout: string): string {
  const m = /^plan digest: ([0-9a-f]{16})$/m.exec(stdout);
  assert.ok(m, `no digest in:\n${stdout}`);
  return m[1];
}

const LINE = /^(add|move|rename|update|remove)\s+("(?:[^"\\]|\\.)*")\s+(.*)$/;

/**
 * The directory `before` becomes by the dry run's `lines` alone (as source `source`):
 * every agent no line names must come out unchanged.
 */
export function expectedAfter(
  before: Map<string, ListedAgent>,
  lines: string[],
  source: string,
): Map<string, ListedAgent> {
  const after = new Map([...before].map(([id, a]) => [id, { ...a }]));
  for (const line of lines) {
    if (line.startsWith("unit ")) continue;
    const m = LINE.exec(line);
    assert.ok(m, `unreadable plan line: ${line}`);
    const [, kind, quoted, rest] = m;
    const id = JSON.parse(quoted) as string;
    const a = after.get(id);
    const arrow = rest.split(" -> ");
    if (kind === "add") {
      const q = String.raw`("(?:[^"\\]|\\.)*")`;
      const add = new RegExp(
        String.raw`^(${
          q.slice(1, -1)
        }|\(none\)) in (.*?)(?:, extension ${q})?(?:, dn ${q})?( \(returns\))?$`,
      ).exec(rest);
      assert.ok(add, `unreadable add: ${line}`);
      after.set(id, {
        id,
        name: add[1] === "(none)" ? null : JSON.parse(add[1]),
        unit: add[2],
        extension: add[3] === undefined ? null : JSON.parse(add[3]),
        dn: add[4] === undefined ? null : JSON.parse(add[4]),
        source,
        state: "active",
      });
    } else if (kind === "remove") {
      assert.ok(a, `remove of unknown ${id}`);
      a.state = "removed";
    } else if (kind === "move") {
      assert.equal(a!.unit, arrow[0], `${id} moves from where it is`);
      a!.unit = arrow[1];
    } else if (kind === "rename") {
      a!.name = arrow[1] === "(none)" ? null : JSON.parse(arrow[1]);
    } else {
      const [field, from] = arrow[0].split(" ");
      const to = arrow[1] === "(none)" ? null : arrow[1];
      if (field === "source") a!.source = to!;
      else {
        const key = field as "extension" | "dn";
        assert.equal(JSON.stringify(a![key]) ?? "null", from === "(none)" ? "null" : from);
        a![key] = to === null ? null : JSON.parse(to);
      }
    }
  }
  return after;
}

/** Compares directories on what the plan talks about (dn and timestamps aside). */
export function assertSameDirectory(
  actual: Map<string, ListedAgent>,
  expected: Map<string, ListedAgent>,
): void {
  const pick = (m: Map<string, ListedAgent>) =>
    [...m.values()].map((a) => [a.id, a.name, a.extension, a.unit, a.source, a.state].join("|"))
      .sort();
  assert.deepEqual(pick(actual), pick(expected));
}

/** Adds finished recordings (with their calls) of the given agents to the database. */
export function seedRecordings(dbPath: string, agentIds: string[]): string[] {
  const db = new DatabaseSync(dbPath);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const loc = db.prepare("SELECT id FROM storage_locations ORDER BY id LIMIT 1").get() as
      | { id: number }
      | undefined;
    const locId = loc?.id ??
      Number(
        db.prepare(
          "INSERT INTO storage_locations (name, kind, path) VALUES ('spool', 'spool', '/nonexistent')",
        ).run().lastInsertRowid,
      );
    const call = db.prepare(
      "INSERT INTO calls (id, call_key, source, started_at, agent_id) VALUES (?, ?, 'siprec', ?, ?)",
    );
    const rec = db.prepare(
      `INSERT INTO recordings (id, call_id, state, format, started_at, path, storage_location_id,
        agent_id, created_at, duration_ms) VALUES (?, ?, 'complete', 'opus', ?, ?, ?, ?, ?, 1000)`,
    );
    const ids: string[] = [];
    db.exec("BEGIN");
    agentIds.forEach((agent, i) => {
      const id = `rec-${agent}-${i}`;
      const at = new Date(Date.UTC(2026, 10, 1, 8) + i * 60_000).toISOString();
      call.run(`call-${id}`, `key-${id}`, at, agent);
      rec.run(id, `call-${id}`, at, `x/${id}.opus`, locId, agent, at);
      ids.push(id);
    });
    db.exec("COMMIT");
    return ids;
  } finally {
    db.close();
  }
}

/** Signs in over HTTP; returns the session cookie's value. */
export async function signIn(server: TestServer, username: string, password: string) {
  const res = await fetch(`${server.httpUrl}/sign-in`, {
    method: "POST",
    redirect: "manual",
    body: new URLSearchParams({ username, password }),
  });
  await res.body?.cancel();
  assert.equal(res.status, 303);
  return /selrec_session=([^;]+)/.exec(res.headers.get("Set-Cookie") ?? "")![1];
}

/** Every recording id the session's search returns (the JSON answer), following pages. */
export async function searchAll(server: TestServer, cookie: string): Promise<Set<string>> {
  const seen = new Set<string>();
  let after: string | null = null;
  do {
    const url: string = `${server.httpUrl}/recordings${
      after ? `?after=${encodeURIComponent(after)}` : ""
    }`;
    const res: Response = await fetch(url, {
      headers: { Cookie: `selrec_session=${cookie}`, Accept: "application/json" },
    });
    assert.equal(res.status, 200);
    const body = await res.json() as { next: string | null; recordings: { id: string }[] };
    for (const r of body.recordings) seen.add(r.id);
    after = body.next;
  } while (after);
  return seen;
}
