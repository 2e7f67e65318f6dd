#!/usr/bin/python3
"""SRTP sender for interop tests: shares no code with selrec (Debian python3-pylibsrtp).

Usage: /usr/bin/python3 srtp_send.py JSON
JSON: {"host": "127.0.0.1", "suite": "AES_CM_128_HMAC_SHA1_80", "durationMs": 4000,
       "attackEvery": 50,
       "legs": [{"port": 20000, "from": 31000, "key": "<base64 key||salt>", "hz": 440}]}
Each leg sends from its own socket (bound to `from`, the offered port)  20 ms PCMU packets of a sine tone, SRTP-protected with its key. Every
`attackEvery` packets it first sends a forged packet (same index, payload bit flipped,
not yet seen: an authentication failure) and after the real one a replay of it.
With "rekeyFromStdin": true, each line read on stdin is a JSON list of new base64 keys
(one per leg): from the next 20 ms slot on, each leg protects with its new key (a new
libsrtp session; sequence numbers run on), as an SRC does right after the 200 to a
re-INVITE with new a=crypto lines (RFC 4568 §7.1.4).
Prints {"sent": N, "forged": F, "replayed": R, "rekeyedAt": [packet numbers]} per leg
as one JSON line.
"""
import base64, json, math, queue, socket, struct, sys, threading, time
from pylibsrtp import Policy, Session

PROFILES = {
    "AES_CM_128_HMAC_SHA1_80": Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
    "AES_CM_128_HMAC_SHA1_32": Policy.SRTP_PROFILE_AES128_CM_SHA1_32,
    "AEAD_AES_128_GCM": getattr(Policy, "SRTP_PROFILE_AEAD_AES_128_GCM", 7),
    "AEAD_AES_256_GCM": getattr(Policy, "SRTP_PROFILE_AEAD_AES_256_GCM", 8),
}

def ulaw(sample):
    """G.711 mu-law encode of one 16-bit sample (ITU-T G.711)."""
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), 32635) + 0x84
    exp = 7
    for e in range(7, -1, -1):
        if sample & (0x4000 >> (7 - e)):
            exp = e
            break
    mant = (sample >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF

def session(key, suite):
    return Session(policy=Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND,
                                 srtp_profile=PROFILES[suite]))

def read_keys(out):
    for line in sys.stdin:
        if line.strip():
            out.put(json.loads(line))

def main():
    o = json.loads(sys.argv[1])
    rekeys = queue.Queue()
    if o.get("rekeyFromStdin"):
        threading.Thread(target=read_keys, args=(rekeys,), daemon=True).start()
    legs = []
    for i, leg in enumerate(o["legs"]):
        key = base64.b64decode(leg["key"])
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((o["host"], leg.get("from", 0)))
        legs.append({"port": leg["port"], "hz": leg["hz"], "ssrc": 0x5EC0000 + i, "sock": sock,
                     "tx": session(key, o["suite"]), "forger": session(key, o["suite"]),
                     "sent": 0, "forged": 0, "replayed": 0, "rekeyedAt": []})
    every = o.get("attackEvery", 0)
    count = o["durationMs"] // 20
    start = time.monotonic()
    for n in range(count):
        while not rekeys.empty():
            for leg, key in zip(legs, rekeys.get()):
                fresh = base64.b64decode(key)
                leg["tx"], leg["forger"] = session(fresh, o["suite"]), session(fresh, o["suite"])
                leg["rekeyedAt"].append(n)
        for leg in legs:
            seq, ts = (1000 + n) & 0xFFFF, n * 160
            header = struct.pack("!BBHII", 0x80, 0, seq, ts, leg["ssrc"])
            body = bytes(ulaw(int(12000 * math.sin(2 * math.pi * leg["hz"] * (ts + k) / 8000)))
                         for k in range(160))
            real = leg["tx"].protect(header + body)
            attack = every and n % every == every // 2
            if attack:
                forged = bytearray(leg["forger"].protect(header + bytes(160)))
                forged[40] ^= 0x01
                leg["sock"].sendto(bytes(forged), (o["host"], leg["port"]))
                leg["forged"] += 1
            leg["sock"].sendto(real, (o["host"], leg["port"]))
            leg["sent"] += 1
            if attack:
                leg["sock"].sendto(real, (o["host"], leg["port"]))
                leg["replayed"] += 1
        delay = start + (n + 1) * 0.02 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(json.dumps([{k: leg[k] for k in ("sent", "forged", "replayed", "rekeyedAt")} for leg in legs]))

main()
