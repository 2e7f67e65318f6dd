/**
 * SIP over TLS on real sockets with real certificates (openssl): framing and
 * keep-alives through the TCP transport, mutual TLS refusing wrong-name, expired,
 * foreign-CA and missing client certificates, TLS 1.1 refused, and a certificate
 * reload that new handshakes see while an open connection carries on.
 */
import assert from "node:assert/strict";
import * as tls from "node:tls";
import { fingerprint, makeTestCerts, type TestCerts } from "../../tests/helpers/tls_certs.ts";
import type { PeerAddress } from "./dialog.ts";
import { TcpTransport } from "./transport_tcp.ts";
import { TlsListener, type TlsListenOptions } from "./transport_tls.ts";

const sanitizers = { sanitizeOps: true, sanitizeResources: true };
const enc = new TextEncoder();
const OPTIONS =
  "OPTIONS sip:srs@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:1;branch=z9hG4bK1\r\n" +
  "From: <sip:a@b>;tag=1\r\nTo: <sip:srs@127.0.0.1>\r\nCall-ID: t1\r\nCSeq: 1 OPTIONS\r\n" +
  "Content-Length: 0\r\n\r\n";

async function serve(certs: TestCerts, extra: Partial<TlsListenOptions> = {}) {
  const read = (f: string) => Deno.readTextFileSync(f);
  const listener = await TlsListener.open({
    hostname: "127.0.0.1",
    port: 0,
    material: { cert: read(certs.server.cert), key: read(certs.server.key), ca: read(certs.ca) },
    verifyClient: "required",
    allowedPeerNames: [certs.goodName],
    handshakeTimeoutMs: 2000,
    ...extra,
  });
  const got: { text: string; from: PeerAddress }[] = [];
  const transport = new TcpTransport("127.0.0.1", 0, {
    onMessage: (b, from) => got.push({ text: new TextDecoder().decode(b), from }),
    onFramingError: () => null,
    onError: () => {},
  }, { listener, transport: "tls" });
  return { listener, transport, got, port: listener.addr.port };
}

async function client(certs: TestCerts, port: number, who?: { cert: string; key: string }) {
  const opts = {
    hostname: "127.0.0.1",
    port,
    caCerts: [Deno.readTextFileSync(certs.ca)],
    ...(who ? { cert: Deno.readTextFileSync(who.cert), key: Deno.readTextFileSync(who.key) } : {}),
  };
  const conn = await Deno.connectTls(opts as Deno.ConnectTlsOptions);
  await conn.handshake();
  return conn;
}

/** True when the server keeps talking to this client: CRLF keep-alive answered (RFC 5626). */
async function served(conn: Deno.TlsConn): Promise<boolean> {
  try {
    await conn.write(enc.encode("\r\n\r\n"));
    const buf = new Uint8Array(16);
    const n = await conn.read(buf);
    return n === 2 && buf[0] === 13 && buf[1] === 10;
  } catch {
    return false;
  }
}

async function tryPeer(certs: TestCerts, port: number, who?: { cert: string; key: string }) {
  let conn: Deno.TlsConn | null = null;
  try {
    conn = await client(certs, port, who);
    return await served(conn);
  } catch {
    return false;
  } finally {
    try {
      conn?.close();
    } catch { /* closed by the server */ }
  }
}

Deno.test({
  name: "SIP over TLS: a message from a verified, allowed client arrives as transport tls",
  ...sanitizers,
  fn: async () => {
    const certs = await makeTestCerts();
    const s = await serve(certs);
    try {
      const conn = await client(certs, s.port, certs.good);
      assert.ok(await served(conn), "keep-alive answered");
      await conn.write(enc.encode(OPTIONS));
      for (let i = 0; i < 100 && s.got.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(s.got.length, 1);
      assert.equal(s.got[0].from.transport, "tls");
      assert.match(s.got[0].text, /^OPTIONS sip:srs@127\.0\.0\.1/);
      conn.close();
      assert.equal(s.listener.stats().handshakes, 1);
    } finally {
      await s.transport.close();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "mutual TLS refuses wrong-name, expired, foreign-CA and missing client certificates",
  ...sanitizers,
  fn: async () => {
    const certs = await makeTestCerts();
    const s = await serve(certs);
    try {
      assert.equal(await tryPeer(certs, s.port, certs.good), true, "good");
      assert.equal(await tryPeer(certs, s.port, certs.wrongName), false, "wrong name");
      assert.equal(await tryPeer(certs, s.port, certs.expired), false, "expired");
      assert.equal(await tryPeer(certs, s.port, certs.otherCa), false, "other CA");
      assert.equal(await tryPeer(certs, s.port), false, "no certificate");
      await new Promise((r) => setTimeout(r, 50));
      const st = s.listener.stats();
      assert.equal(st.handshakes, 1);
      assert.equal(st.refusedPeerName, 1);
      assert.equal(st.handshakeFailures, 3);
      assert.equal(s.transport.connections, 0);
    } finally {
      await s.transport.close();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "verifyClient optional: no certificate is served, a bad one is not",
  ...sanitizers,
  fn: async () => {
    const certs = await makeTestCerts();
    const s = await serve(certs, { verifyClient: "optional" });
    try {
      assert.equal(await tryPeer(certs, s.port), true, "no certificate");
      assert.equal(await tryPeer(certs, s.port, certs.good), true, "good");
      assert.equal(await tryPeer(certs, s.port, certs.wrongName), false, "wrong name");
      assert.equal(await tryPeer(certs, s.port, certs.expired), false, "expired");
    } finally {
      await s.transport.close();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "TLS 1.1 is refused, 1.2 and 1.3 are served (openssl s_client)",
  ...sanitizers,
  fn: async () => {
    const certs = await makeTestCerts();
    const s = await serve(certs, { verifyClient: "none", allowedPeerNames: [] });
    try {
      const results: Record<string, boolean> = {};
      for (const v of ["-tls1_1", "-tls1_2", "-tls1_3"]) {
        const out = await new Deno.Command("openssl", {
          args: ["s_client", "-connect", `127.0.0.1:${s.port}`, v, "-CAfile", certs.ca, "-brief"],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
        results[v] = /Protocol version: TLSv1\.[23]/.test(text) && /Verification: OK/.test(text);
      }
      assert.deepEqual(results, { "-tls1_1": false, "-tls1_2": true, "-tls1_3": true });
    } finally {
      await s.transport.close();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "reload: new handshakes get the new certificate, an open connection carries on",
  ...sanitizers,
  fn: async () => {
    const certs = await makeTestCerts();
    const s = await serve(certs);
    const serverPrint = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const sock = tls.connect({
          host: "127.0.0.1",
          port: s.port,
          ca: Deno.readTextFileSync(certs.ca),
          cert: Deno.readTextFileSync(certs.good.cert),
          key: Deno.readTextFileSync(certs.good.key),
        }, () => {
          const fp = sock.getPeerCertificate().fingerprint256;
          sock.end();
          sock.once("close", () => resolve(fp));
        });
        sock.once("error", reject);
      });
    try {
      assert.equal(await serverPrint(), await fingerprint(certs.server.cert));
      const old = await client(certs, s.port, certs.good);
      const read = (f: string) => Deno.readTextFileSync(f);
      s.listener.reload({
        cert: read(certs.server2.cert),
        key: read(certs.server2.key),
        ca: read(certs.ca),
      });
      assert.equal(await serverPrint(), await fingerprint(certs.server2.cert));
      assert.ok(await served(old), "the connection opened before the reload still works");
      old.close();
    } finally {
      await s.transport.close();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
