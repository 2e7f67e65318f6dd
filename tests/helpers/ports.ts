/** Free loopback ports for tests: bind port 0, read the port, close. */
export function freeTcpPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A port free for both UDP and TCP (SIP listens on both). */
export function freeSipPort(): number {
  for (let i = 0; i < 50; i++) {
    const port = freeTcpPort();
    try {
      const u = Deno.listenDatagram({ hostname: "127.0.0.1", port, transport: "udp" });
      u.close();
      return port;
    } catch {
      // taken for UDP; try another
    }
  }
  throw new Error("no port free for both UDP and TCP");
}

/** An even RTP port range of `size` ports, starting at a random offset in 20000–29999. */
export function rtpRange(size = 200): string {
  const base = 20000 + 2 * Math.floor(Math.random() * ((10000 - size) / 2));
  return `${base}-${base + size - 1}`;
}

/** Where {@link claimRtpRange} keeps its claims: one file per slot, holding the owner's pid. */
const RTP_CLAIMS = "/tmp/selrec-test-rtp-ranges";
const RTP_SLOT_BASE = 20000;
const RTP_SLOT_PORTS = 200;
const RTP_SLOTS = 50;

/** An RTP range no other box started by a test on this machine has until `release()`. */
export interface RtpRangeClaim {
  range: string;
  release(): void;
}

/**
 * Claims one of the 50 ranges of 200 ports in 20000–29999 for a box. Boxes of parallel
 * tests on random ranges overlapped now and then, and a call whose RTP port another box
 * held was answered 503 (the box's answer to a port it cannot bind). A claim is a file
 * created exclusively, holding this process's pid: a claim whose process is gone is taken
 * over. With every slot claimed, a random range as {@link rtpRange} gives.
 */
export function claimRtpRange(): RtpRangeClaim {
  Deno.mkdirSync(RTP_CLAIMS, { recursive: true });
  const first = Math.floor(Math.random() * RTP_SLOTS);
  for (let k = 0; k < RTP_SLOTS; k++) {
    const slot = (first + k) % RTP_SLOTS;
    const file = `${RTP_CLAIMS}/slot-${slot}`;
    if (!claim(file)) continue;
    const base = RTP_SLOT_BASE + slot * RTP_SLOT_PORTS;
    let held = true;
    return {
      range: `${base}-${base + RTP_SLOT_PORTS - 1}`,
      release() {
        if (!held) return;
        held = false;
        try {
          Deno.removeSync(file);
        } catch {
          // already gone
        }
      },
    };
  }
  return { range: rtpRange(), release() {} };
}

/** Creates `file` holding this pid; takes it over when the pid in it is no longer running. */
function claim(file: string): boolean {
  const create = () => {
    try {
      Deno.writeTextFileSync(file, String(Deno.pid), { createNew: true });
      return true;
    } catch {
      return false;
    }
  };
  if (create()) return true;
  let owner = "";
  try {
    owner = Deno.readTextFileSync(file).trim();
  } catch {
    return false;
  }
  // Empty: its owner is writing it. Our own pid: another thread of this test run holds it.
  if (!/^\d+$/.test(owner) || owner === String(Deno.pid)) return false;
  try {
    Deno.statSync(`/proc/${owner}`);
    return false;
  } catch {
    // The owner is gone: a test run that was killed.
  }
  try {
    Deno.removeSync(file);
  } catch {
    return false;
  }
  return create();
}
