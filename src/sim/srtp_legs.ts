/**
 * SRTP for the simulated SRC (`selrec simulate --srtp SUITE`): one fresh SDES master key
 * per leg, offered in the leg's `a=crypto` line (RFC 4568 §9.1, tag 1, no lifetime or
 * MKI) and kept for the whole call (re-offers repeat it, so they are not re-keys), and
 * the outbound session the pacer protects the leg's packets with (RFC 3711 §3.1): for the
 * AES-CM suites srtp_cm_sender.ts, whose cost per packet does not grow with the number of
 * sessions (Debian's libsrtp's does, so at a few hundred calls the load generator fell
 * behind before the recorder did); libsrtp for the GCM suites.
 * The SRS's own crypto line in the answer is not used: an SRC only sends.
 */
import { SrtpContext } from "../rtp/srtp_ffi.ts";
import { isSrtpCmProfile } from "../rtp/srtp_cm.ts";
import { SrtpCmSender } from "../rtp/srtp_cm_sender.ts";
import { isSrtpSuite, serializeCrypto, SRTP_SUITES, type SrtpSuite } from "../sip/sdp_crypto.ts";
import type { LegSrtp } from "./rtp_pacer.ts";

/** Suites `--srtp` takes, in the order the help lists them. */
export const SIM_SRTP_SUITES = Object.keys(SRTP_SUITES) as SrtpSuite[];

/** One leg's SDES key: what goes in the offer and what the sender protects with. */
export interface SimSrtpKey {
  suite: SrtpSuite;
  /** The `a=crypto` attribute value for the offer. */
  crypto: string;
  /** An outbound session with the key (SrtpCmSender or libsrtp's); the caller closes it. */
  sender(): LegSrtp;
}

/** Reads a suite name; throws RangeError naming the supported ones. */
export function parseSimSuite(name: string): SrtpSuite {
  if (!isSrtpSuite(name)) {
    throw new RangeError(
      `Cannot use SRTP suite "${name}": expected one of ${SIM_SRTP_SUITES.join(", ")}`,
    );
  }
  return name;
}

/** A fresh random master key and salt for one leg. */
export function newSimSrtpKey(suite: SrtpSuite): SimSrtpKey {
  const { keyBytes, saltBytes } = SRTP_SUITES[suite];
  const keySalt = crypto.getRandomValues(new Uint8Array(keyBytes + saltBytes));
  const line = serializeCrypto({
    tag: 1,
    suite,
    keys: [{ keySalt: btoa(String.fromCharCode(...keySalt)), lifetime: null, mki: null }],
    sessionParams: [],
  });
  return {
    suite,
    crypto: line,
    sender: () =>
      isSrtpCmProfile(suite)
        ? new SrtpCmSender(suite, keySalt)
        : new SrtpContext(suite, keySalt, "outbound"),
  };
}
