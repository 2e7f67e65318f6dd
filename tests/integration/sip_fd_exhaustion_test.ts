/**
 * Issue 19 defect 2 against the real `selrec serve` process under `prlimit --nofile=256`:
 * 1,000 idle SIP/TCP connections and then 400 idle HTTP connections arrive while a UDP
 * SIPREC call is being recorded. The box must not die: the SIP/TCP cap stays under a
 * quarter of the limit, /healthz keeps answering while the TCP peers are held, the web
 * UI's own cap (lowered to fit the limit) refuses the HTTP flood before it can take the
 * descriptors, the web UI answers once the flood leaves, the log gets a line per reason
 * rather than one per refused connection, and the call is recorded whole.
 */
import assert from "node:assert/strict";
import { sendToneLeg } from "../helpers/audio.ts";
import { query, waitFor, waitForStreamPorts } from "../helpers/db.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { spawnSipp } from "../helpers/sipp.ts";

const NOFILE = 256;

async function openMany(port: number, n: number): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  for (let i = 0; i < n; i++) {
    try {
      conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    } catch {
      // refused while a listener is reopening: the test only needs the pressure
    }
  }
  return conns;
}

async function healthy(url: string): Promise<number> {
  try {
    const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await r.body?.cancel();
    return r.status;
  } catch {
    return 0;
  }
}

Deno.test({
  name:
    "1,000 idle SIP/TCP and 400 HTTP connections under ulimit -n 256: the box lives and records its UDP call",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    const configFile = await Deno.makeTempFile({ suffix: ".yaml" });
    // The per-source cap would stop one test client at 64; lift it so the overall cap works.
    await Deno.writeTextFile(configFile, "sip:\n  tcp:\n    maxConnectionsPerSource: 5000\n");
    const server = await startServer({
      env: { SELREC_RULES_DIR: rules },
      configFile,
      wrap: ["prlimit", `--nofile=${NOFILE}:${NOFILE}`, "--"],
    });
    const dbPath = `${server.dataDir}/selrec.db`;
    const held: Deno.TcpConn[] = [];
    try {
      assert.match(server.output(), /sip\.tcp\.maxConnections lowered/);
      const sipp = spawnSipp({
        scenario: "siprec_record.xml",
        port: server.sipPort,
        transport: "udp",
        cwd: server.dataDir,
      });
      const sippOut = sipp.output();
      const portOf = await waitForStreamPorts(dbPath);
      // From the ports the scenario's SDP offers (16000/16002), as a real SRC sends.
      const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 16000, transport: "udp" });
      const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 16002, transport: "udp" });
      const legs = Promise.all([
        sendToneLeg(a, { hz: 440, port: portOf("10"), durationMs: 6600 }),
        sendToneLeg(b, { hz: 880, port: portOf("20"), durationMs: 6600 }),
      ]);

      held.push(...await openMany(server.sipPort, 1000));
      assert.equal(await healthy(server.httpUrl), 200, "healthz while 1,000 SIP/TCP peers wait");

      const httpPort = Number(new URL(server.httpUrl).port);
      const http = await openMany(httpPort, 400);
      await new Promise((r) => setTimeout(r, 1000));
      for (const c of http) c.close();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = await healthy(server.httpUrl);
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 200, "the web UI is back once the HTTP peers leave");

      await legs;
      a.close();
      b.close();
      const out = await sippOut;
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr).slice(-2000));
      const rec = await waitFor("the finished recording", () => {
        const r = query<{ state: string; duration_ms: number }>(
          dbPath,
          "SELECT state, duration_ms FROM recordings",
        )[0];
        return r && r.state !== "recording" ? r : null;
      });
      assert.equal(rec.state, "complete");
      assert.ok(Math.abs(rec.duration_ms - 6600) <= 60, `duration ${rec.duration_ms} ms`);

      const lines = server.output().split("\n");
      const count = (re: RegExp) => lines.filter((l) => re.test(l)).length;
      assert.ok(count(/sip tcp connection refused/) <= 2, "one refusal line a minute per reason");
      assert.ok(count(/sip tcp accept failing/) <= 10, "one line per accept burst");
      assert.match(server.output(), /http\.limits\.maxConnections lowered/);
      assert.equal(count(/web UI listener failed/), 0, "the HTTP cap kept descriptors free");
      const refused = count(/web UI connection refused/);
      assert.ok(refused >= 1 && refused <= 2, `one refusal line a minute per reason: ${refused}`);
    } finally {
      for (const c of held) c.close();
      const code = await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(configFile);
      assert.equal(code, 0, server.output().slice(-3000));
    }
  },
});
