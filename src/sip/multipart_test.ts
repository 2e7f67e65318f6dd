import assert from "node:assert/strict";
import { buildMultipart, extractSiprecBody, parseMultipart } from "./multipart.ts";
import { SipParseError } from "./message.ts";

Deno.test("parseMultipart() flattens nested multipart/mixed (RFC 2046 §5.1)", () => {
  const inner = buildMultipart([{
    contentType: "application/rs-metadata",
    body: "<recording/>\r\n",
  }], "in");
  const outer = buildMultipart([
    { contentType: "application/sdp", body: "v=0\r\n" },
    { contentType: inner.contentType, body: inner.body },
  ], "out");
  const parts = parseMultipart(outer.contentType, outer.body);
  assert.deepEqual(parts.map((p) => [p.contentType, p.body]), [
    ["application/sdp", "v=0\r\n"],
    ["application/rs-metadata", "<recording/>\r\n"],
  ]);
});

Deno.test("extractSiprecBody() accepts the legacy application/rs-metadata type and quoted boundaries", () => {
  const body = [
    "preamble",
    "--uniqueBoundary",
    "Content-Type: application/sdp",
    "",
    "v=0",
    "--uniqueBoundary",
    "Content-Type: application/rs-metadata",
    "Content-Disposition: recording-session",
    "",
    "<recording xmlns='urn:ietf:params:xml:ns:recording:1'/>",
    "--uniqueBoundary--",
    "",
  ].join("\r\n");
  const r = extractSiprecBody('multipart/mixed; boundary="uniqueBoundary"', body);
  assert.equal(r.sdp, "v=0");
  assert.match(r.metadata ?? "", /^<recording/);
});

Deno.test("extractSiprecBody() finds metadata by Content-Disposition recording-session (RFC 7866 §9.1)", () => {
  const m = buildMultipart([
    { contentType: "application/sdp", body: "v=0\r\n" },
    { contentType: "application/xml", disposition: "recording-session", body: "<recording/>" },
  ]);
  assert.equal(extractSiprecBody(m.contentType, m.body).metadata, "<recording/>");
});

Deno.test("extractSiprecBody() handles plain SDP and no body", () => {
  assert.deepEqual(extractSiprecBody("application/sdp", "v=0\r\n"), {
    sdp: "v=0\r\n",
    metadata: null,
  });
  assert.deepEqual(extractSiprecBody(undefined, ""), { sdp: null, metadata: null });
});

Deno.test("parseMultipart() rejects a missing or absent boundary", () => {
  assert.throws(() => parseMultipart("multipart/mixed", "x"), SipParseError);
  assert.throws(() => parseMultipart("multipart/mixed;boundary=b", "no delimiters"), SipParseError);
});
