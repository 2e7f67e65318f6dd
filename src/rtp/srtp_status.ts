/**
 * libsrtp's srtp_err_status_t values (include/srtp.h), the one set of SRTP statuses in
 * selrec: the libsrtp adapter (srtp_ffi.ts) returns them, and selrec's own AES-CM SRTP
 * (srtp_cm.ts, srtp_cm_sender.ts) returns the same numbers for the same outcomes, so a
 * caller tells the two apart by nothing.
 */
export const SRTP_OK = 0;
export const SRTP_BAD_PARAM = 2;
/** srtp_err_status_alloc_fail (srtp_cm_sender.ts: one SSRC more than it follows). */
export const SRTP_ALLOC_FAIL = 3;
export const SRTP_AUTH_FAIL = 7;
export const SRTP_REPLAY_FAIL = 9;
export const SRTP_REPLAY_OLD = 10;
/** srtp_err_status_no_ctx: the context was closed. */
export const SRTP_NO_CTX = 13;
export const SRTP_PARSE_ERR = 21;
