/**
 * Known-answer tests of libsrtp as we drive it. The reference below is written from the
 * RFCs with node:crypto (no SRTP code shared with libsrtp): the AES-CM PRF (RFC 3711
 * §4.1.1, §4.3.1), checked against the published vectors of RFC 3711 B.2 and B.3 and the
 * session keys of RFC 7714 §16; then every suite's packet from libsrtp must equal the
 * reference packet built from those session keys.
 */
import assert from "node:assert/strict";
import { createCipheriv, createHmac } from "node:crypto";
import {
  SRTP_AUTH_FAIL,
  SRTP_OK,
  SRTP_REPLAY_FAIL,
  SrtpContext,
  type SrtpProfileName,
} from "./srtp_ffi.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s/g, "").match(/../g)!, (b) => parseInt(b, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** AES-CM keystream (RFC 3711 §4.1.1): AES-CTR from IV, `len` bytes. */
function keystream(key: Uint8Array, iv: Uint8Array, len: number): Uint8Array {
  const c = createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
  return new Uint8Array(c.update(new Uint8Array(len)));
}

/** RFC 3711 §4.3.1 PRF with kdr 0: x = label·2^48 XOR salt (a 96-bit salt is padded). */
function kdf(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, len: number) {
  const iv = new Uint8Array(16);
  iv.set(masterSalt);
  iv[7] ^= label;
  return keystream(masterKey, iv, len);
}

Deno.test("reference AES-CM matches RFC 3711 B.2 keystream", () => {
  const ks = keystream(
    hex("2B7E151628AED2A6ABF7158809CF4F3C"),
    hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"),
    48,
  );
  assert.equal(
    toHex(ks),
    "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0",
  );
});

const CM_KEY = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
const CM_SALT = hex("0EC675AD498AFEEBB6960B3AABE6");

Deno.test("reference key derivation matches RFC 3711 B.3 and RFC 7714 §16", () => {
  assert.equal(toHex(kdf(CM_KEY, CM_SALT, 0, 16)), "c61e7a93744f39ee10734afe3ff7a087");
  assert.equal(toHex(kdf(CM_KEY, CM_SALT, 2, 14)), "30cbbc08863d8c85d49db34a9ae1");
  assert.equal(toHex(kdf(CM_KEY, CM_SALT, 1, 20)), "cebe321f6ff7716b6fd4ab49af256a156d38baa4");
  const gk = hex("000102030405060708090a0b0c0d0e0f"), gs = hex("a0a1a2a3a4a5a6a7a8a9aaab");
  assert.equal(toHex(kdf(gk, gs, 0, 16)), "077c6143cb221bc355ff23d5f984a16e");
  assert.equal(toHex(kdf(gk, gs, 2, 12)), "9af3e95364ebac9c99c5a7c4");
});

/** RTP packet: version 2, PT 0, the given sequence number, SSRC cafebabe, 160-byte payload. */
function rtp(seq: number, payloadLen = 160): Uint8Array {
  const p = new Uint8Array(12 + payloadLen);
  p.set(hex("80000000decafbadcafebabe"));
  p[2] = seq >> 8;
  p[3] = seq & 0xff;
  for (let i = 12; i < p.length; i++) p[i] = (i * 7) & 0xff;
  return p;
}

/** RFC 3711 §3.1, §4.1.1, §4.2: reference SRTP packet of an AES-CM suite (ROC 0). */
function referenceCm(packet: Uint8Array, tagLen: number): Uint8Array {
  const key = kdf(CM_KEY, CM_SALT, 0, 16), salt = kdf(CM_KEY, CM_SALT, 2, 14);
  const auth = kdf(CM_KEY, CM_SALT, 1, 20);
  const iv = new Uint8Array(16);
  iv.set(salt);
  for (let i = 0; i < 4; i++) iv[4 + i] ^= packet[8 + i]; // SSRC · 2^64
  iv[12] ^= packet[2]; // index (ROC 0 || SEQ) · 2^16
  iv[13] ^= packet[3];
  const out = new Uint8Array(packet.length + tagLen);
  out.set(packet);
  const ks = keystream(key, iv, packet.length - 12);
  for (let i = 12; i < packet.length; i++) out[i] ^= ks[i - 12];
  const mac = createHmac("sha1", auth).update(out.subarray(0, packet.length)).update(
    new Uint8Array(4),
  ).digest();
  out.set(mac.subarray(0, tagLen), packet.length);
  return out;
}

/** RFC 7714 §8.1, §9: reference SRTP packet of a GCM suite (ROC 0, 16-byte tag). */
function referenceGcm(masterKey: Uint8Array, masterSalt: Uint8Array, packet: Uint8Array) {
  const key = kdf(masterKey, masterSalt, 0, masterKey.length);
  const salt = kdf(masterKey, masterSalt, 2, 12);
  const iv = new Uint8Array(12);
  iv.set(packet.subarray(8, 12), 2);
  iv.set(packet.subarray(2, 4), 10);
  for (let i = 0; i < 12; i++) iv[i] ^= salt[i];
  const c = createCipheriv(`aes-${key.length * 8}-gcm` as "aes-128-gcm", key, iv);
  c.setAAD(packet.subarray(0, 12));
  const body = new Uint8Array(c.update(packet.subarray(12)));
  c.final();
  return new Uint8Array([...packet.subarray(0, 12), ...body, ...c.getAuthTag()]);
}

function protect(profile: SrtpProfileName, keySalt: Uint8Array, packet: Uint8Array) {
  const tx = new SrtpContext(profile, keySalt, "outbound");
  const buf = new Uint8Array(packet.length + 32);
  buf.set(packet);
  assert.equal(tx.protect(buf, packet.length), SRTP_OK);
  const out = buf.slice(0, tx.length);
  tx.close();
  return out;
}

const SUITES: [SrtpProfileName, Uint8Array, (p: Uint8Array) => Uint8Array][] = [
  ["AES_CM_128_HMAC_SHA1_80", new Uint8Array([...CM_KEY, ...CM_SALT]), (p) => referenceCm(p, 10)],
  ["AES_CM_128_HMAC_SHA1_32", new Uint8Array([...CM_KEY, ...CM_SALT]), (p) => referenceCm(p, 4)],
  [
    "AEAD_AES_128_GCM",
    hex("000102030405060708090a0b0c0d0e0f a0a1a2a3a4a5a6a7a8a9aaab"),
    (p) =>
      referenceGcm(hex("000102030405060708090a0b0c0d0e0f"), hex("a0a1a2a3a4a5a6a7a8a9aaab"), p),
  ],
  [
    "AEAD_AES_256_GCM",
    hex(
      "000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f a0a1a2a3a4a5a6a7a8a9aaab",
    ),
    (p) =>
      referenceGcm(
        hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
        hex("a0a1a2a3a4a5a6a7a8a9aaab"),
        p,
      ),
  ],
];

for (const [profile, keySalt, reference] of SUITES) {
  Deno.test(`libsrtp ${profile}: protect equals the RFC reference, unprotect restores, a flipped bit fails`, () => {
    const plain = rtp(0x1234);
    const wire = protect(profile, keySalt, plain);
    assert.equal(toHex(wire), toHex(reference(plain)));
    const rx = new SrtpContext(profile, keySalt, "inbound");
    const buf = wire.slice();
    assert.equal(rx.unprotect(buf, buf.length), SRTP_OK);
    assert.deepEqual(buf.subarray(0, rx.length), plain);
    const again = wire.slice();
    assert.equal(rx.unprotect(again, again.length), SRTP_REPLAY_FAIL);
    const tampered = protect(profile, keySalt, rtp(0x1235));
    tampered[40] ^= 1;
    assert.equal(rx.unprotect(tampered, tampered.length), SRTP_AUTH_FAIL);
    rx.close();
  });
}

Deno.test("libsrtp SRTCP: protect_rtcp then unprotect_rtcp round-trips; a wrong key fails", () => {
  const keySalt = new Uint8Array(30).fill(3);
  const sr = hex("80c80006cafebabe00000000000000000000000000000000000000000000");
  const tx = new SrtpContext("AES_CM_128_HMAC_SHA1_32", keySalt, "outbound");
  const buf = new Uint8Array(sr.length + 32);
  buf.set(sr);
  assert.equal(tx.protectRtcp(buf, sr.length), SRTP_OK);
  assert.equal(tx.length, sr.length + 4 + 10, "E||index and an 80-bit tag (RFC 4568 §6.2.2)");
  const wire = buf.slice(0, tx.length);
  const rx = new SrtpContext("AES_CM_128_HMAC_SHA1_32", keySalt, "inbound");
  const ok = wire.slice();
  assert.equal(rx.unprotectRtcp(ok, ok.length), SRTP_OK);
  assert.deepEqual(ok.subarray(0, rx.length), sr);
  const wrong = new SrtpContext("AES_CM_128_HMAC_SHA1_32", new Uint8Array(30).fill(4), "inbound");
  assert.equal(wrong.unprotectRtcp(wire.slice(), wire.length), SRTP_AUTH_FAIL);
  for (const c of [tx, rx, wrong]) c.close();
});

Deno.test("libsrtp works in each of three workers started one after another (pinned, initialised once per process)", async () => {
  // A child process whose main thread never loads libsrtp: each worker's thread closes its
  // libraries when it ends, which unmapped libsrtp before it was pinned, and the next
  // worker's sessions then failed with init_fail (5).
  const dir = await Deno.makeTempDir({ prefix: "selrec-srtp-workers-" });
  try {
    await Deno.writeTextFile(
      `${dir}/worker.ts`,
      `import { SrtpContext } from "${new URL("./srtp_ffi.ts", import.meta.url).href}";
self.onmessage = () => {
  try {
    const key = new Uint8Array(30).fill(9);
    const tx = new SrtpContext("AES_CM_128_HMAC_SHA1_80", key, "outbound");
    const rx = new SrtpContext("AES_CM_128_HMAC_SHA1_80", key, "inbound");
    const buf = new Uint8Array(200).fill(0x55, 12, 172);
    buf[0] = 0x80, buf[3] = 1, buf[11] = 7;
    const sent = tx.protect(buf, 172), got = rx.unprotect(buf, tx.length), len = rx.length;
    tx.close(), rx.close();
    self.postMessage(sent === 0 && got === 0 && len === 172 && buf[171] === 0x55
      ? "ok" : \`protect \${sent}, unprotect \${got}\`);
  } catch (e) {
    self.postMessage(String(e));
  }
};
`,
    );
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `const results = [];
for (let i = 0; i < 3; i++) {
  const w = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
  results.push(await new Promise((r) => { w.onmessage = (e) => r(e.data); w.postMessage(0); }));
  w.terminate();
  await new Promise((r) => setTimeout(r, 300));
}
const pinned = Deno.readTextFileSync("/proc/self/maps").includes("libsrtp2");
console.log(JSON.stringify({ results, pinned }));
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", `${dir}/main.ts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, text + new TextDecoder().decode(out.stderr));
    assert.deepEqual(JSON.parse(text), { results: ["ok", "ok", "ok"], pinned: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
