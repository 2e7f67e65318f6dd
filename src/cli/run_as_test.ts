import assert from "node:assert/strict";
import { runAsDecision, type RunAsFacts } from "./run_as.ts";

const base: RunAsFacts = {
  command: "user add",
  uid: 0,
  service: { name: "selrec", uid: 990, gid: 990 },
  dataDirOwner: 990,
  tools: { setpriv: true, runuser: true },
  argv: ["user", "add", "sue", "--role", "agent"],
};

Deno.test("runAsDecision() moves root to the service user with setpriv, else runuser", () => {
  assert.deepEqual(runAsDecision(base), {
    kind: "reexec",
    prefix: ["setpriv", "--reuid=selrec", "--regid=selrec", "--init-groups"],
  });
  assert.deepEqual(runAsDecision({ ...base, tools: { setpriv: false, runuser: true } }), {
    kind: "reexec",
    prefix: ["runuser", "-u", "selrec", "--"],
  });
  assert.equal(runAsDecision({ ...base, dataDirOwner: null }).kind, "reexec", "not created yet");
});

Deno.test("runAsDecision() without a tool refuses with the exact command to use", () => {
  const d = runAsDecision({
    ...base,
    tools: { setpriv: false, runuser: false },
    argv: ["user", "add", "o'neil", "--role", "agent"],
  });
  assert.equal(d.kind, "refuse");
  assert.match(
    d.kind === "refuse" ? d.message : "",
    /Run: runuser -u selrec -- selrec user add 'o'\\''neil' --role agent\n/,
  );
});

Deno.test("runAsDecision() runs here: not root, no service user, foreign data dir, version", () => {
  assert.equal(runAsDecision({ ...base, uid: 1000 }).kind, "here");
  assert.equal(runAsDecision({ ...base, service: null }).kind, "here");
  assert.equal(runAsDecision({ ...base, dataDirOwner: 0 }).kind, "here");
  assert.equal(runAsDecision({ ...base, command: "version" }).kind, "here");
});
