import assert from "node:assert/strict";
import { serializeRtpPacket } from "./packet.ts";
import { PortPool } from "./port_pool.ts";
import { sourceFilter } from "./source_policy.ts";
import { MAX_DATAGRAM_BYTES, UdpCapture, type UdpCaptureOptions } from "./udp_capture.ts";

const io = { sanitizeOps: true, sanitizeResources: true };

function openOnFreePort(opts: Omit<UdpCaptureOptions, "port">): UdpCapture {
  const pool = new PortPool({ min: 47000, max: 47999 });
  let cap: UdpCapture | undefined;
  pool.allocate((port) => {
    try {
      cap = UdpCapture.open({ ...opts, port, hostname: "127.0.0.1" });
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse) return false;
      throw e;
    }
  });
  assert.ok(cap, "no free port pair");
  return cap;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), "condition not reached within 2.5 s");
}

function rtp(seq: number): Uint8Array {
  return serializeRtpPacket({
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: seq * 160,
    ssrc: 1,
    payload: new Uint8Array(160),
  });
}

Deno.test({
  name: "UdpCapture latches to the first source and counts others as foreign",
  ...io,
  fn: async () => {
    const got: { seq: number; from: number }[] = [];
    const rtcp: number[] = [];
    const cap = openOnFreePort({
      onRtp: (b, _t, from) => got.push({ seq: (b[2] << 8) | b[3], from: from.port }),
      onRtcp: (b) => rtcp.push(b.length),
    });
    const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const b = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      const to = { transport: "udp" as const, hostname: "127.0.0.1", port: cap.port };
      for (let s = 1; s <= 3; s++) await a.send(rtp(s), to);
      await until(() => got.length === 3);
      await b.send(rtp(99), to);
      await a.send(rtp(4), to);
      await a.send(new Uint8Array(8), { ...to, port: cap.port + 1 });
      await until(() => got.length === 4 && rtcp.length === 1);
      await until(() => cap.toJSON().foreign === 1);
      assert.deepEqual(got.map((g) => g.seq), [1, 2, 3, 4]);
      assert.equal(cap.source?.port, (a.addr as Deno.NetAddr).port);
      assert.equal(cap.toJSON().packets, 4);
      assert.equal(cap.toJSON().bytes, 4 * 172);
    } finally {
      a.close();
      b.close();
      await cap.close();
    }
  },
});

Deno.test({
  name: "UdpCapture with an offer policy takes only the offered ports and counts the rest",
  ...io,
  fn: async () => {
    const got: number[] = [];
    const rtcp: number[] = [];
    const src = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const srcRtcp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const attacker = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const portOf = (c: Deno.DatagramConn) => (c.addr as Deno.NetAddr).port;
    const cap = openOnFreePort({
      onRtp: (b) => got.push((b[2] << 8) | b[3]),
      onRtcp: (b) => rtcp.push(b.length),
      sources: sourceFilter({
        policy: "offer",
        rtp: { address: "127.0.0.1", port: portOf(src) },
        rtcp: { address: "127.0.0.1", port: portOf(srcRtcp) },
        signalling: null,
        networks: [],
      }),
    });
    try {
      const to = { transport: "udp" as const, hostname: "127.0.0.1", port: cap.port };
      const toRtcp = { ...to, port: cap.port + 1 };
      // The attacker sends first: without the policy it would latch the stream.
      for (let s = 50; s < 60; s++) await attacker.send(rtp(s), to);
      await attacker.send(new Uint8Array(8), toRtcp);
      await src.send(new Uint8Array(8), toRtcp); // RTCP from the RTP port: not offered
      for (let s = 1; s <= 3; s++) await src.send(rtp(s), to);
      await srcRtcp.send(new Uint8Array(12), toRtcp);
      await until(() => got.length === 3 && rtcp.length === 1);
      await until(() => cap.toJSON().foreign === 12);
      assert.deepEqual(got, [1, 2, 3]);
      assert.deepEqual(rtcp, [12]);
      assert.equal(cap.toJSON().packets, 3);
      assert.equal(cap.toJSON().rtcpPackets, 1);
    } finally {
      for (const c of [src, srcRtcp, attacker]) c.close();
      await cap.close();
    }
  },
});

Deno.test({
  name: "UdpCapture drops and counts datagrams over 2048 bytes instead of truncating them",
  ...io,
  fn: async () => {
    const lengths: number[] = [];
    const cap = openOnFreePort({ rtcp: false, onRtp: (b) => lengths.push(b.length) });
    const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      const to = { transport: "udp" as const, hostname: "127.0.0.1", port: cap.port };
      const big = (n: number) => {
        const b = new Uint8Array(n);
        b.set(rtp(7));
        return b;
      };
      await a.send(big(MAX_DATAGRAM_BYTES + 1), to);
      await a.send(big(9000), to);
      await a.send(big(MAX_DATAGRAM_BYTES), to);
      await until(() => lengths.length === 1 && cap.toJSON().oversize === 2);
      assert.deepEqual(lengths, [MAX_DATAGRAM_BYTES]);
      assert.equal(cap.toJSON().packets, 1);
    } finally {
      a.close();
      await cap.close();
    }
  },
});

Deno.test({
  name: "UdpCapture counts a throwing handler and keeps receiving",
  ...io,
  fn: async () => {
    let calls = 0;
    const cap = openOnFreePort({
      rtcp: false,
      onRtp: () => {
        calls++;
        if (calls === 1) throw new SyntaxError("bad packet");
      },
    });
    const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      const to = { transport: "udp" as const, hostname: "127.0.0.1", port: cap.port };
      await a.send(Uint8Array.of(1, 2, 3), to);
      await a.send(rtp(1), to);
      await until(() => calls === 2);
      assert.equal(cap.toJSON().handlerErrors, 1);
    } finally {
      a.close();
      await cap.close();
      await cap.close();
    }
  },
});

Deno.test({
  name: "UdpCapture.open() releases the RTP socket when the RTCP port is taken",
  ...io,
  fn: async () => {
    const probe = openOnFreePort({ rtcp: false, onRtp: () => {} });
    const port = probe.port;
    await probe.close();
    const blocker = Deno.listenDatagram({
      transport: "udp",
      hostname: "127.0.0.1",
      port: port + 1,
    });
    try {
      assert.throws(
        () => UdpCapture.open({ port, hostname: "127.0.0.1", onRtp: () => {} }),
        Deno.errors.AddrInUse,
      );
      const again = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port });
      again.close();
    } finally {
      blocker.close();
    }
  },
});

Deno.test({
  name: "UdpCapture.drain() resolves only after every packet queued before it was handled",
  ...io,
  fn: async () => {
    let handled = 0;
    const cap = openOnFreePort({
      rtcp: false,
      onRtp: () => {
        const until = performance.now() + 1; // a busy handler: 1 ms per packet
        while (performance.now() < until) { /* spin */ }
        handled++;
      },
    });
    const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      const to = { transport: "udp" as const, hostname: "127.0.0.1", port: cap.port };
      // All sends in one turn: the packets queue on the socket faster than it drains.
      await Promise.all(Array.from({ length: 150 }, (_, s) => a.send(rtp(s), to)));
      const queued = handled;
      assert.ok(await cap.drain(5000));
      assert.ok(queued < 150, `${queued} handled before the drain`);
      assert.equal(handled, 150);
      assert.equal(cap.toJSON().packets, 150, "the fence is not counted as media");
      assert.equal(cap.toJSON().foreign, 0, "nor as a foreign packet");
    } finally {
      a.close();
      await cap.close();
    }
    assert.equal(await cap.drain(), false, "a closed capture has nothing to drain");
  },
});

Deno.test({
  name:
    "UdpCapture.drain() keeps waiting while reads progress: its deadline is on a stall, not the whole drain",
  ...io,
  fn: async () => {
    // A box running behind: 40 streams with 25 packets each queued, 3 ms of work per
    // packet, so the last fence comes back after about 3 s while every socket keeps being
    // read. A whole-drain deadline of 400 ms gives up on most of them (their close would
    // drop what is still queued); a 400 ms stall limit does not.
    const STREAMS = 40, PACKETS = 25;
    const handled: number[] = new Array(STREAMS).fill(0);
    const caps = Array.from({ length: STREAMS }, (_, i) =>
      openOnFreePort({
        rtcp: false,
        onRtp: () => {
          const until = performance.now() + 3;
          while (performance.now() < until) { /* spin */ }
          handled[i]++;
        },
      }));
    try {
      // Queued while this thread is blocked (a synchronous child sends them), so no loop
      // reads any before the drains begin.
      const send = [
        "import socket",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        `for p in [${caps.map((c) => c.port).join(",")}]:`,
        `  for i in range(${PACKETS}): s.sendto(bytes([0x80, 0, 0, i]) + bytes(168), ("127.0.0.1", p))`,
      ].join("\n");
      const out = new Deno.Command("python3", { args: ["-c", send] }).outputSync();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const t0 = performance.now();
      const drained = await Promise.all(caps.map((cap) => cap.drain(400)));
      assert.deepEqual(drained, caps.map(() => true), "every drain finished");
      assert.ok(performance.now() - t0 > 1000, "the queues took longer than the stall limit");
      assert.deepEqual(handled, caps.map(() => PACKETS), "every queued packet was handled");
    } finally {
      await Promise.all(caps.map((cap) => cap.close()));
    }
  },
});
