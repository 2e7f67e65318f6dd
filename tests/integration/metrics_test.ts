/** `GET /metrics` on the real server: Prometheus text for a system.manage token, refused otherwise. */
import assert from "node:assert/strict";
import { startServer } from "../helpers/server.ts";
import { addApiToken } from "../helpers/api_token.ts";

Deno.test({
  name: "GET /metrics serves Prometheus text to a system.manage token and refuses others",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const server = await startServer();
    try {
      const { token } = await addApiToken(server.dataDir, {
        name: "mon",
        scope: "system.manage",
        user: "admin",
      });
      const r = await fetch(`${server.httpUrl}/metrics`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(r.status, 200);
      assert.match(r.headers.get("Content-Type") ?? "", /^text\/plain; version=0\.0\.4/);
      const text = await r.text();
      for (
        const line of [
          /^# TYPE selrec_calls_active gauge$/m,
          /^selrec_calls_active 0$/m,
          /^selrec_build_info\{version="\d+\.\d+\.\d+"\} 1$/m,
          /^selrec_sip_sessions 0$/m,
          /^selrec_rtp_ports_total \d+$/m,
          /^selrec_rules_reload_errors_total 0$/m,
          /^selrec_metrics_collector_errors 0$/m,
        ]
      ) assert.match(text, line);
      const anon = await fetch(`${server.httpUrl}/metrics`, { headers: { Accept: "text/plain" } });
      assert.ok(anon.status === 401 || anon.status === 303, `anonymous got ${anon.status}`);
      await anon.body?.cancel();
    } finally {
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
    }
  },
});
