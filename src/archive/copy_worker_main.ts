/**
 * The copy worker: a subprocess that does every filesystem operation on archive targets,
 * so a hung NFS/FUSE mount blocks only this process, which the main process kills (see
 * copy_worker.ts). Requests and replies are JSON lines on stdin/stdout. After each copy
 * step it reports `{"ev":"step"}` and waits for `{"op":"go"}`: the main process records
 * the step in `archive_jobs` first, so the table never runs ahead of the disk. Standard
 * input closing (the main process died) ends the worker.
 */
import { basename, dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { type GuardResult, guardTarget, type TargetSpec, writeSentinel } from "./mount_guard.ts";
import type { WorkerReply, WorkerRequest } from "./copy_protocol.ts";

const enc = new TextEncoder();
const lines = readLines();

function send(msg: WorkerReply): void {
  Deno.stdout.writeSync(enc.encode(JSON.stringify(msg) + "\n"));
}

async function* readLines(): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

class Refused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

async function step(name: "copied" | "verified" | "renamed"): Promise<void> {
  send({ ev: "step", step: name });
  const next = await lines.next();
  if (next.done) Deno.exit(0);
  if ((JSON.parse(next.value) as WorkerRequest).op !== "go") throw new Error("Expected go");
}

async function guarded(spec: TargetSpec): Promise<GuardResult & { ok: true }> {
  const g = await guardTarget(spec);
  if (!g.ok) throw new Refused(g.code, g.reason);
  return g;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  using f = await Deno.open(path, { read: true });
  for await (const chunk of f.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** mkdir -p below the target root, checking each directory is on the target's device. */
async function ensureDirOn(root: string, rel: string, dev: number): Promise<void> {
  let dir = root;
  for (const part of rel.split("/").filter((p) => p !== "" && p !== ".")) {
    dir = join(dir, part);
    try {
      await Deno.mkdir(dir);
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    if ((await Deno.stat(dir)).dev !== dev) {
      await Deno.remove(dir).catch(() => {});
      throw new Refused("not-mounted", `"${dir}" is not on the target filesystem`);
    }
  }
}

/** Step 1: copy to the temp name (hashing what is read) and fsync; returns the source hash. */
async function copyTo(src: string, tmp: string, dev: number): Promise<string> {
  const hash = createHash("sha256");
  using input = await Deno.open(src, { read: true }).catch((err) => {
    throw new Refused("source-missing", `Cannot open local file "${src}": ${err.message}`);
  });
  using out = await Deno.open(tmp, { write: true, create: true, truncate: true });
  if ((await out.stat()).dev !== dev) {
    await Deno.remove(tmp).catch(() => {});
    throw new Refused("not-mounted", `"${tmp}" is not on the target filesystem`);
  }
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    const n = await input.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
    let off = 0;
    while (off < n) off += await out.write(buf.subarray(off, n));
  }
  await out.sync();
  return hash.digest("hex");
}

async function copy(req: Extract<WorkerRequest, { op: "copy" }>): Promise<WorkerReply> {
  const g = await guarded(req.spec);
  const final = join(g.root, req.rel);
  const tmp = join(dirname(final), `.${basename(final)}.selrec-tmp`);
  const existing = await sha256Of(final).catch((err) => {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  });
  if (existing !== null) {
    if (existing !== req.sha256) {
      throw new Refused("conflict", `"${final}" exists with a different SHA-256`);
    }
    await step("renamed");
    return { ev: "ok", tempPath: tmp, resumed: true };
  }
  await ensureDirOn(g.root, dirname(req.rel), g.dev);
  const srcHash = await copyTo(req.src, tmp, g.dev);
  if (srcHash !== req.sha256) {
    await Deno.remove(tmp).catch(() => {});
    throw new Refused("source-hash", `local file "${req.src}" does not match its SHA-256`);
  }
  await step("copied");
  await guarded(req.spec);
  if (await sha256Of(tmp) !== req.sha256) {
    await Deno.remove(tmp).catch(() => {});
    throw new Refused("hash", `read-back of "${tmp}" does not match the recording's SHA-256`);
  }
  await step("verified");
  await guarded(req.spec);
  await Deno.rename(tmp, final);
  using d = await Deno.open(dirname(final), { read: true });
  await d.sync();
  await step("renamed");
  return { ev: "ok", tempPath: tmp, resumed: false };
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.op) {
    case "check": {
      const g = await guarded(req.spec);
      return { ev: "ok", dev: g.dev };
    }
    case "init":
      return { ev: "ok", volumeId: await writeSentinel(req.spec) };
    case "copy":
      return await copy(req);
    case "remove": {
      const g = await guarded(req.spec);
      const file = join(g.root, req.rel);
      try {
        await Deno.remove(file);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
      using d = await Deno.open(dirname(file), { read: true });
      await d.sync();
      return { ev: "ok" };
    }
    case "go":
      throw new Error("Unexpected go");
  }
}

if (import.meta.main) {
  for await (const line of lines) {
    if (line.trim() === "") continue;
    try {
      send(await handle(JSON.parse(line) as WorkerRequest));
    } catch (err) {
      const e = err as Error & { code?: string };
      send({
        ev: "error",
        code: err instanceof Refused ? err.code : e.code ?? "io",
        message: e.message,
      });
    }
  }
}
