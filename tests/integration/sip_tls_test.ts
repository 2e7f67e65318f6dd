/**
 * SIP over TLS against the real server (`main.ts serve`), with openssl-made
 * certificates: a SIPREC call with RTP from our simulate client over mutual TLS is
 * recorded; a client certificate with a wrong name or an expired one is refused; the
 * certificate is swapped on disk and SIGHUP'd mid-call: a new connection sees the new
 * certificate while the call on the old connection runs to its BYE; and
 * `sip.tls.required` answers plain SIP over UDP and TCP with 403 naming the rule.
 */
import assert from "node:assert/strict";
import * as tls from "node:tls";
import { runSimulation } from "../../src/sim/simulate.ts";
import { query, waitFor } from "../helpers/db.ts";
import { freeTcpPort } from "../helpers/ports.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { fingerprint, makeTestCerts, type TestCerts } from "../helpers/tls_certs.ts";
import { assertAnswered } from "../helpers/sim_report.ts";

const sanitizers = { sanitizeOps: true, sanitizeResources: true };
const read = (f: string) => Deno.readTextFileSync(f);

async function tlsConfig(certs: TestCerts, port: number, extra = ""): Promise<string> {
  // The server reads copies, so the test can replace them (a cert manager's rename).
  await Deno.copyFile(certs.server.cert, `${certs.dir}/live.crt`);
  await Deno.copyFile(certs.server.key, `${certs.dir}/live.key`);
  const file = `${certs.dir}/selrec.yaml`;
  await Deno.writeTextFile(
    file,
    `sip:\n  tls:\n    port: ${port}\n    certFile: ${certs.dir}/live.crt\n    keyFile: ${certs.dir}/live.key\n` +
      `    caFile: ${certs.ca}\n    verifyClient: required\n    allowedPeerNames: [${certs.goodName}]\n${extra}`,
  );
  return file;
}

function serverFingerprint(certs: TestCerts, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({
      host: "127.0.0.1",
      port,
      ca: read(certs.ca),
      cert: read(certs.good.cert),
      key: read(certs.good.key),
    }, () => {
      const fp = sock.getPeerCertificate().fingerprint256;
      sock.end();
      sock.once("close", () => resolve(fp));
    });
    sock.once("error", reject);
  });
}

/** True when an OPTIONS over a TLS connection with this client certificate is answered. */
async function answersOptions(
  certs: TestCerts,
  port: number,
  who: { cert: string; key: string },
): Promise<boolean> {
  let conn: Deno.TlsConn | null = null;
  try {
    conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port,
      caCerts: [read(certs.ca)],
      cert: read(who.cert),
      key: read(who.key),
    } as Deno.ConnectTlsOptions);
    await conn.handshake();
    const local = (conn.localAddr as Deno.NetAddr).port;
    await conn.write(new TextEncoder().encode(
      `OPTIONS sip:srs@127.0.0.1:${port};transport=tls SIP/2.0\r\n` +
        `Via: SIP/2.0/TLS 127.0.0.1:${local};branch=z9hG4bK${local}\r\nFrom: <sip:p@127.0.0.1>;tag=1\r\n` +
        `To: <sip:srs@127.0.0.1>\r\nCall-ID: tls-probe-${local}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    ));
    const buf = new Uint8Array(2048);
    const n = await conn.read(buf);
    return n !== null && /^SIP\/2\.0 200 /.test(new TextDecoder().decode(buf.subarray(0, n)));
  } catch {
    return false;
  } finally {
    try {
      conn?.close();
    } catch { /* closed by the server */ }
  }
}

function simulateTls(certs: TestCerts, port: number, who: { cert: string; key: string }, s = 1) {
  return runSimulation({
    target: `127.0.0.1:${port}`,
    transport: "tls",
    tls: { caCerts: [read(certs.ca)], cert: read(who.cert), key: read(who.key) },
    calls: 1,
    rate: 1,
    duration: s,
    tones: true,
    conversations: 1,
    clipSeconds: 3,
  });
}

Deno.test({
  name:
    "SIPREC over mutual TLS is recorded; wrong-name and expired client certificates are refused; SIGHUP swaps the certificate mid-call",
  ...sanitizers,
  async fn() {
    const certs = await makeTestCerts();
    const rules = await recordEverythingRules();
    const tlsPort = freeTcpPort();
    const server = await startServer({
      configFile: await tlsConfig(certs, tlsPort),
      env: { SELREC_RULES_DIR: rules },
    });
    try {
      assert.equal(await serverFingerprint(certs, tlsPort), await fingerprint(certs.server.cert));
      const call = simulateTls(certs, tlsPort, certs.good, 5);
      await new Promise((r) => setTimeout(r, 1500));
      // Replace the files the way a certificate manager does (write aside, rename), then HUP.
      await Deno.copyFile(certs.server2.cert, `${certs.dir}/next.crt`);
      await Deno.copyFile(certs.server2.key, `${certs.dir}/next.key`);
      await Deno.rename(`${certs.dir}/next.key`, `${certs.dir}/live.key`);
      await Deno.rename(`${certs.dir}/next.crt`, `${certs.dir}/live.crt`);
      server.process.kill("SIGHUP");
      const want = await fingerprint(certs.server2.cert);
      let seen = "";
      for (let i = 0; i < 50 && seen !== want; i++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await serverFingerprint(certs, tlsPort);
      }
      assert.equal(seen, want, "a new connection sees the new certificate");
      assert.equal(await answersOptions(certs, tlsPort, certs.good), true, "good name");
      assert.equal(await answersOptions(certs, tlsPort, certs.wrongName), false, "wrong name");
      assert.equal(await answersOptions(certs, tlsPort, certs.expired), false, "expired");
      const report = await call;
      assertAnswered(report, 1);
      assert.equal(report.totals.byeOk, 1, "the call on the old connection ended with its BYE");
      const db = `${server.dataDir}/selrec.db`;
      const rows = await waitFor("the complete recording", () => {
        const r = query<{ duration_ms: number }>(
          db,
          "SELECT duration_ms FROM recordings WHERE state = 'complete'",
        );
        return r.length > 0 ? r : null;
      }, 15_000);
      assert.equal(rows.length, 1);
      assert.ok(Math.abs(rows[0].duration_ms - 5000) < 600, `duration ${rows[0].duration_ms}`);
      const out = server.output();
      assert.match(out, /sip tls certificate reloaded \((SIGHUP|file changed)\)/);
      assert.match(out, /peer name not in sip\.tls\.allowedPeerNames/);
    } finally {
      await server.stop();
      await Deno.remove(certs.dir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});

async function options(transport: "udp" | "tcp", port: number): Promise<string> {
  const branch = `z9hG4bK${crypto.randomUUID().slice(0, 8)}`;
  const msg = (local: number) =>
    new TextEncoder().encode(
      `OPTIONS sip:srs@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/${transport.toUpperCase()} 127.0.0.1:${local};branch=${branch}\r\n` +
        `From: <sip:probe@127.0.0.1>;tag=p1\r\nTo: <sip:srs@127.0.0.1>\r\nCall-ID: ${branch}\r\n` +
        `CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
    );
  const buf = new Uint8Array(4096);
  if (transport === "udp") {
    const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      await sock.send(msg((sock.addr as Deno.NetAddr).port), {
        transport: "udp",
        hostname: "127.0.0.1",
        port,
      });
      const [data] = await sock.receive(buf);
      return new TextDecoder().decode(data);
    } finally {
      sock.close();
    }
  }
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(msg((conn.localAddr as Deno.NetAddr).port));
    const n = await conn.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

Deno.test({
  name:
    "sip.tls.required: OPTIONS over UDP and TCP get 403 naming the rule; calls over TLS are served",
  ...sanitizers,
  async fn() {
    const certs = await makeTestCerts();
    const rules = await recordEverythingRules();
    const tlsPort = freeTcpPort();
    const server = await startServer({
      configFile: await tlsConfig(certs, tlsPort, "    required: true\n"),
      env: { SELREC_RULES_DIR: rules },
    });
    try {
      for (const t of ["udp", "tcp"] as const) {
        const res = await options(t, server.sipPort);
        assert.match(res, /^SIP\/2\.0 403 Forbidden \(TLS required \(sip\.tls\.required\)\)\r\n/);
        assert.match(
          res,
          /\r\nWarning: 399 127\.0\.0\.1 "TLS required \(sip\.tls\.required\)"\r\n/,
        );
      }
      const report = await simulateTls(certs, tlsPort, certs.good, 1);
      assertAnswered(report, 1);
      assert.equal(report.totals.byeOk, 1);
    } finally {
      await server.stop();
      await Deno.remove(certs.dir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});
