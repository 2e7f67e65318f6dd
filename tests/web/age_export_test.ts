/**
 * The export form's encrypted variant: the download age-encrypted to a recipient key or
 * a passphrase, opened with the standard age CLI; the audit row says whom it was sealed
 * to (never the passphrase); a bad recipient or a short passphrase is a 400 naming it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { Harness } from "./harness.ts";

const T = { sanitizeResources: true, sanitizeOps: true };
const REASON = { reason_code: "legal-request", reason_text: "case 18" };

// Types the passphrase at age's /dev/tty prompt: python3 -c PTY PASSPHRASE age -d -o OUT IN
const PTY = `
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen, sent = b"", False
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    seen += data
    if not sent and b"passphrase" in seen.lower():
        os.write(fd, sys.argv[1].encode() + b"\\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

Deno.test({
  ...T,
  name: "the export form downloads an age file for a recipient key or a passphrase",
  async fn() {
    await using h = await Harness.create();
    const { bytes } = await h.recording("r1");
    await h.user("carol", "compliance", { orgUnitId: h.orgRoot });
    const c = await h.signIn("carol");
    const dir = await Deno.makeTempDir();
    try {
      const identity = await generateX25519Identity();
      await Deno.writeTextFile(join(dir, "key.txt"), identity + "\n");
      const res = await h.req("/recordings/r1/export", {
        client: c,
        form: {
          ...REASON,
          format: "ogg",
          encrypt: "recipient",
          age_recipient: await identityToRecipient(identity),
        },
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("Content-Disposition")!, /filename="r1\.ogg\.age"/);
      const file = join(dir, "r1.ogg.age");
      await Deno.writeFile(file, new Uint8Array(await res.arrayBuffer()));
      const opened = await new Deno.Command("age", {
        args: ["-d", "-i", join(dir, "key.txt"), file],
        stdout: "piped",
      }).output();
      assert.deepEqual(opened.stdout, bytes);

      const passphrase = "a passphrase for the auditor";
      const pw = await h.req("/recordings/r1/export", {
        client: c,
        form: { ...REASON, format: "ogg", encrypt: "passphrase", passphrase },
      });
      assert.equal(pw.status, 200);
      const pwFile = join(dir, "pw.ogg.age");
      await Deno.writeFile(pwFile, new Uint8Array(await pw.arrayBuffer()));
      const out = join(dir, "pw.ogg");
      const r = await new Deno.Command("python3", {
        args: ["-c", PTY, passphrase, "age", "-d", "-o", out, pwFile],
        stdout: "null",
        stderr: "null",
      }).output();
      assert.equal(r.code, 0);
      assert.deepEqual(await Deno.readFile(out), bytes);

      const rows = await h.services.store.db.selectFrom("audit_events").selectAll()
        .where("action", "=", "recording.export").orderBy("seq").execute();
      const details = rows.map((a) => JSON.parse(a.details ?? "{}"));
      assert.deepEqual(details.map((d) => [d.encryption, Array.isArray(d.to) ? "key" : d.to]), [
        ["age", "key"],
        ["age", "passphrase"],
      ]);
      assert.ok(!rows.some((a) => (a.details ?? "").includes(passphrase)));

      for (
        const [form, problem] of [
          [{ encrypt: "recipient", age_recipient: "ssh-ed25519 AAAA" }, /age recipient/],
          [{ encrypt: "passphrase", passphrase: "short" }, /passphrase: must be at least 12/],
        ] as const
      ) {
        const bad = await h.req("/recordings/r1/export", {
          client: c,
          form: { ...REASON, format: "ogg", ...form },
        });
        assert.equal(bad.status, 400);
        assert.match(await bad.text(), problem);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
