import assert from "node:assert/strict";
import fc from "fast-check";
import { Aes128 } from "./aes128.ts";
import {
  AES_CTR_IN,
  AES_CTR_OUT,
  openSslAes128,
  openSslHmacSha1,
  srtpCrypto,
} from "./libcrypto.ts";
import { HmacSha1 } from "./sha1.ts";
import { SrtpCmKeys } from "./srtp_cm.ts";
import { DEFAULT_INIT_FIRST, openSslExitBehaviour } from "../../tests/helpers/openssl_exit.ts";

Deno.test("openSslAes128 loads here (libssl3 is a dependency) and matches aes128.ts block for block", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 16, maxLength: 160 }),
      (key, data) => {
        const bytes = data.length & ~15;
        const native = openSslAes128(key);
        assert.ok(native, "libcrypto.so.3 could not be loaded");
        AES_CTR_IN.set(data.subarray(0, bytes));
        assert.ok(native.encrypt(bytes));
        const ts = new Aes128(key);
        for (let o = 0; o < bytes; o += 16) {
          assert.deepEqual(
            AES_CTR_OUT.subarray(o, o + 16),
            ts.encrypt(data.subarray(o, o + 16)),
          );
        }
        native.free();
        assert.equal(native.encrypt(16), false, "a freed context encrypts nothing");
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("SrtpCmKeys gives the same keystream and tags from OpenSSL as from aes128.ts and sha1.ts", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 30, maxLength: 30 }),
      fc.uint8Array({ minLength: 0, maxLength: 2100 }),
      fc.nat(16),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 0xffff }),
      (keySalt, packet, start0, ssrc, roc, seq) => {
        const start = Math.min(start0, packet.length);
        const native = new SrtpCmKeys("AES_CM_128_HMAC_SHA1_80", keySalt);
        const table = new SrtpCmKeys("AES_CM_128_HMAC_SHA1_80", keySalt, { native: false });
        assert.ok(native.native && !table.native);
        const a = packet.slice(), b = packet.slice();
        native.crypt(a, start, a.length, ssrc | 0, roc | 0, seq);
        table.crypt(b, start, b.length, ssrc | 0, roc | 0, seq);
        assert.deepEqual(a, b);
        assert.deepEqual(native.mac(a, a.length, roc | 0).slice(), table.mac(a, a.length, roc | 0));
        native.wipe();
        table.wipe();
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("OpenSSL gives RFC 3711 B.2's AES-CM keystream from its counter blocks", () => {
  // RFC 3711 B.2: session key 2B7E…3C; keystream of IV F0F1…FD0000, blocks IV + 0, 1, 2.
  const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (x) => parseInt(x, 16));
  const native = openSslAes128(hex("2b7e151628aed2a6abf7158809cf4f3c"))!;
  const iv = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfd0000");
  for (let j = 0; j < 3; j++) {
    AES_CTR_IN.set(iv, 16 * j);
    AES_CTR_IN[16 * j + 15] = j;
  }
  assert.ok(native.encrypt(48));
  assert.equal(
    Array.from(AES_CTR_OUT.subarray(0, 48), (x) => x.toString(16).padStart(2, "0")).join(""),
    "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0",
  );
  native.free();
});

Deno.test("openSslHmacSha1 matches sha1.ts for random keys, messages and suffixes", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 100 }),
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (key, msg, suffix) => {
        const native = openSslHmacSha1(key);
        assert.ok(native, "libcrypto.so.3 could not be loaded");
        const a = new Uint8Array(20), b = new Uint8Array(20);
        assert.ok(native.signWithSuffix(msg, msg.length, suffix | 0, a));
        new HmacSha1(key).signWithSuffix(msg, msg.length, suffix | 0, b);
        assert.deepEqual(a, b);
        native.free();
        assert.equal(native.signWithSuffix(msg, msg.length, 0, a), false, "freed");
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("srtpCrypto() names the OpenSSL build in use", () => {
  assert.match(srtpCrypto(), /^OpenSSL 3\.\d+\.\d+/);
});

Deno.test("loading libcrypto for SRTP turns off OpenSSL's cleanup at exit, which races other threads (openssl#6214)", async () => {
  const load = `const m = await import("${new URL("./libcrypto.ts", import.meta.url).href}");
if (!m.openSslAes128(new Uint8Array(16))) throw new Error("libcrypto not loaded");`;
  assert.equal(await openSslExitBehaviour(load), "no cleanup");
  // The check can fail: the same load after OpenSSL was initialised the default way.
  assert.equal(await openSslExitBehaviour(DEFAULT_INIT_FIRST + load), "cleanup at exit");
});
