import assert from "node:assert/strict";
import { bindContext } from "./bind_error.ts";

Deno.test({
  name: "bindContext() names service, protocol, address and port, keeping the error class",
  sanitizeResources: true,
  sanitizeOps: true,
  fn() {
    const held = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const port = (held.addr as Deno.NetAddr).port;
    try {
      let caught: unknown;
      try {
        Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port });
      } catch (err) {
        caught = bindContext(err, "SIP", "UDP", "127.0.0.1", port);
      }
      assert.ok(caught instanceof Deno.errors.AddrInUse, "class kept for retry logic");
      assert.match(
        (caught as Error).message,
        new RegExp(`^Cannot bind SIP UDP 127\\.0\\.0\\.1:${port}: `),
      );
      const again = bindContext(caught, "SIP", "UDP", "127.0.0.1", port);
      assert.equal((again as Error).message.match(/Cannot bind/g)?.length, 1, "not prefixed twice");
      assert.equal(
        bindContext("x", "HTTP", "TCP", "::1", 80).message,
        "Cannot bind HTTP TCP [::1]:80: x",
      );
    } finally {
      held.close();
    }
  },
});
