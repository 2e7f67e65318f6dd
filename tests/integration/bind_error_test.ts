/** A port taken by someone else: `serve` exits naming the protocol, address and port. */
import assert from "node:assert/strict";
import { ROOT } from "../helpers/server.ts";
import { freeTcpPort, rtpRange } from "../helpers/ports.ts";

async function serveWith(env: Record<string, string>) {
  const dataDir = await Deno.makeTempDir({ prefix: "selrec-bind-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}main.ts`, "serve"],
      env: {
        NO_COLOR: "1",
        SELREC_DATA_DIR: dataDir,
        SELREC_HTTP_HOST: "127.0.0.1",
        SELREC_RTP_PORTS: rtpRange(),
        SELREC_RULES_DIR: `${ROOT}rules`,
        SELREC_ADMIN_PASSWORD: "test-admin-password-1",
        SELREC_LOG_FORMAT: "json",
        ...env,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test({
  name: "serve names SIP UDP and HTTP TCP with address and port when a bind fails",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const udp = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
    const sipPort = (udp.addr as Deno.NetAddr).port;
    try {
      const r = await serveWith({
        SELREC_SIP_PORT: String(sipPort),
        SELREC_HTTP_PORT: String(freeTcpPort()),
      });
      assert.notEqual(r.code, 0);
      assert.match(r.text, new RegExp(`Cannot bind SIP UDP 0\\.0\\.0\\.0:${sipPort}: `));
    } finally {
      udp.close();
    }
    const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const httpPort = (tcp.addr as Deno.NetAddr).port;
    try {
      const r = await serveWith({
        SELREC_SIP_PORT: String(freeTcpPort()),
        SELREC_HTTP_PORT: String(httpPort),
      });
      assert.notEqual(r.code, 0);
      assert.match(r.text, new RegExp(`Cannot bind HTTP TCP 127\\.0\\.0\\.1:${httpPort}: `));
    } finally {
      tcp.close();
    }
  },
});
