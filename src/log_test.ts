import assert from "node:assert/strict";
import { createLogger, JOURNAL_PRIORITY, type LoggerOptions } from "./log.ts";

function capture(options: Omit<LoggerOptions, "write" | "level">): string[] {
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    isTty: false,
    now: () => new Date("2026-12-01T10:00:00Z"),
    write: (l) => lines.push(l),
    ...options,
  });
  log.error("disk gone", { path: "/mnt/a" });
  log.warn("backlog");
  log.info("ready");
  log.debug("tick");
  return lines;
}

Deno.test("createLogger() under journald prefixes each line with its sd-daemon priority", () => {
  const lines = capture({ format: "auto", underJournal: true });
  assert.deepEqual(lines.map((l) => /^<(\d)>/.exec(l)?.[1]), ["3", "4", "6", "7"]);
  const first = JSON.parse(lines[0].slice(3));
  assert.equal(first.level, "error");
  assert.equal(first.msg, "disk gone");
  assert.equal(first.path, "/mnt/a");
  assert.deepEqual(JOURNAL_PRIORITY, { error: 3, warn: 4, info: 6, debug: 7 });
});

Deno.test("createLogger() with format journal prefixes even without $JOURNAL_STREAM", () => {
  const lines = capture({ format: "journal" });
  assert.equal(lines.length, 4);
  assert.ok(lines[1].startsWith('<4>{"ts":"2026-12-01T10:00:00.000Z","level":"warn"'));
});

Deno.test("createLogger() writes no prefix for json, pretty, or auto off the journal", () => {
  for (const format of ["json", "pretty", "auto"] as const) {
    for (const line of capture({ format })) assert.doesNotMatch(line, /^</, `${format}: ${line}`);
  }
  const pretty = capture({ format: "json", underJournal: true });
  assert.doesNotMatch(pretty[0], /^</, "an explicit json format is kept as asked");
});
