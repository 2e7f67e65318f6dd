/**
 * Test helpers for srtp_cm*.ts: RTP packets and a reference SRTP protect written from
 * RFC 3711 §3.1, §4.1.1 and §4.2 with node:crypto (no code shared with srtp_cm.ts apart
 * from the key derivation, which has its own RFC 3711 B.3 known-answer test).
 */
import { createCipheriv, createHmac } from "node:crypto";
import { deriveSrtpKey, SRTP_CM_TAG_BYTES, type SrtpCmProfileName } from "./srtp_cm.ts";

/** Bytes of a hex string (spaces ignored). */
export const hex = (s: string): Uint8Array =>
  Uint8Array.from(s.replace(/\s/g, "").match(/../g)!, (b) => parseInt(b, 16));

/** Lower-case hex of bytes. */
export const toHex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** RFC 3711 B.3 master key and salt (also libsrtp's srtp_validate test key). */
export const MASTER_KEY = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
export const MASTER_SALT = hex("0EC675AD498AFEEBB6960B3AABE6");
export const KEY_SALT = new Uint8Array([...MASTER_KEY, ...MASTER_SALT]);

/** The SRTP packet of `rtp` (clear header of `header` bytes) at rollover counter `roc`. */
export function referenceProtect(
  profile: SrtpCmProfileName,
  rtp: Uint8Array,
  header: number,
  roc: number,
  masterKey: Uint8Array = MASTER_KEY,
  masterSalt: Uint8Array = MASTER_SALT,
): Uint8Array {
  const key = deriveSrtpKey(masterKey, masterSalt, 0, 16);
  const salt = deriveSrtpKey(masterKey, masterSalt, 2, 14);
  const auth = deriveSrtpKey(masterKey, masterSalt, 1, 20);
  const iv = new Uint8Array(16);
  iv.set(salt);
  for (let i = 0; i < 4; i++) iv[4 + i] ^= rtp[8 + i];
  const rocBytes = new Uint8Array([roc >>> 24, roc >>> 16, roc >>> 8, roc]);
  for (let i = 0; i < 4; i++) iv[8 + i] ^= rocBytes[i];
  iv[12] ^= rtp[2];
  iv[13] ^= rtp[3];
  const tag = SRTP_CM_TAG_BYTES[profile];
  const out = new Uint8Array(rtp.length + tag);
  out.set(rtp);
  const ks = new Uint8Array(createCipheriv("aes-128-ctr", key, iv).update(rtp.subarray(header)));
  out.set(ks, header);
  const mac = createHmac("sha1", auth).update(out.subarray(0, rtp.length)).update(rocBytes);
  out.set(mac.digest().subarray(0, tag), rtp.length);
  return out;
}

/** An RTP packet (V=2, PT 0) with `prefix` (CSRCs, extension) between header and payload. */
export function rtpPacket(
  seq: number,
  ssrc: number,
  payload: Uint8Array,
  prefix: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const p = new Uint8Array(12 + prefix.length + payload.length);
  p.set([0x80, 0, seq >> 8, seq & 0xff, 0, 0, 1, 0, ssrc >>> 24, ssrc >>> 16, ssrc >>> 8, ssrc]);
  p.set(prefix, 12);
  p.set(payload, 12 + prefix.length);
  return p;
}
