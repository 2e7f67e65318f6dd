/**
 * Encrypted exports open with the standard age CLI (Debian `age`, an independent Go
 * implementation): to a recipient with `-i key.txt`, to a passphrase typed at its prompt
 * (driven through a pseudo-terminal, as age reads passphrases only from a terminal).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { ageEncryptBytes, ageEncryptStream, ageTargetProblem } from "./age_export.ts";

const sanitize = { sanitizeOps: true, sanitizeResources: true };

// Types the passphrase at age's /dev/tty prompt: python3 -c PTY PASSPHRASE age -d -o OUT IN
const PTY = `
import os, pty, sys
pw = sys.argv[1].encode() + b"\\n"
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
        os.write(fd, pw)
        sent = True
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

async function run(cmd: string, args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
}

function stream(bytes: Uint8Array, piece = 10_000): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (o >= bytes.length) return c.close();
      c.enqueue(bytes.slice(o, o += piece));
    },
  });
}

Deno.test({
  name: "an export to an age recipient opens with the age CLI and its identity",
  ...sanitize,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const identity = await generateX25519Identity();
      const recipient = await identityToRecipient(identity);
      await Deno.writeTextFile(join(dir, "key.txt"), identity + "\n");
      const audio = new Uint8Array(200_000).map((_, i) => (i * 7919) >> 3);
      const out = await ageEncryptStream(stream(audio), { recipients: [recipient] });
      await Deno.writeFile(join(dir, "rec.ogg.age"), out);
      const r = await run("age", ["-d", "-i", join(dir, "key.txt"), join(dir, "rec.ogg.age")]);
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      assert.deepEqual(r.stdout, audio);
      // Another identity does not open it.
      await Deno.writeTextFile(join(dir, "other.txt"), await generateX25519Identity() + "\n");
      const wrong = await run("age", [
        "-d",
        "-i",
        join(dir, "other.txt"),
        join(dir, "rec.ogg.age"),
      ]);
      assert.notEqual(wrong.code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an export to a passphrase opens with the age CLI at its prompt, not with another",
  ...sanitize,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const audio = new Uint8Array(70_000).map((_, i) => (i * 31) ^ (i >> 8));
      const passphrase = "correct horse battery staple";
      // A low work factor keeps the test quick; exports use age's default (18).
      await Deno.writeFile(
        join(dir, "rec.wav.age"),
        await ageEncryptBytes(audio, { passphrase }, 12),
      );
      const out = join(dir, "rec.wav");
      const ok = await run("python3", [
        "-c",
        PTY,
        passphrase,
        "age",
        "-d",
        "-o",
        out,
        join(dir, "rec.wav.age"),
      ]);
      assert.equal(ok.code, 0, new TextDecoder().decode(ok.stdout));
      assert.deepEqual(await Deno.readFile(out), audio);
      await Deno.remove(out);
      const bad = await run("python3", [
        "-c",
        PTY,
        "not the passphrase",
        "age",
        "-d",
        "-o",
        out,
        join(dir, "rec.wav.age"),
      ]);
      assert.notEqual(bad.code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("ageTargetProblem() names a bad recipient or a short passphrase", () => {
  assert.equal(
    ageTargetProblem({ passphrase: "short" }),
    "passphrase: must be at least 12 characters",
  );
  assert.match(
    ageTargetProblem({ recipients: ["ssh-rsa AAAA"] })!,
    /^age recipient: "ssh-rsa AAAA"/,
  );
  assert.equal(ageTargetProblem({ recipients: [] }), "age recipient: none given");
  assert.equal(ageTargetProblem({ passphrase: "long enough passphrase" }), null);
});
