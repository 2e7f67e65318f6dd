import assert from "node:assert/strict";
import { mergeMetadata, parseMetadata } from "./metadata.ts";
import { metadataFromHeaders } from "./metadata_headers.ts";
import { SipHeaders } from "./headers.ts";
import { SipParseError } from "./message.ts";

const RFC7865 = `<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns='urn:ietf:params:xml:ns:recording:1'>
  <datamode>complete</datamode>
  <group group_id="7+OTCyoxTmqmqyA/1weDAg==">
    <associate-time>2010-12-16T23:41:07Z</associate-time>
    <mydata xmlns='http://example.com/my'><structure>structure!</structure></mydata>
  </group>
  <session session_id="hVpd7YQgRW2nD22h7q60JQ==">
    <sipSessionID>ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2</sipSessionID>
    <group-ref>7+OTCyoxTmqmqyA/1weDAg==</group-ref>
  </session>
  <participant participant_id="srfBElmCRp2QB23b7Mpk0w==">
    <nameID aor="sip:alice@atlanta.com"><name xml:lang="it">Alice</name></nameID>
  </participant>
  <participant participant_id="zSfPoSvdSDCmU3A3TRDxAw==">
    <nameID aor="sip:bob@biloxy.com"/>
  </participant>
  <stream stream_id="UAAMm5GRQKSCMVvLyl4rFw==" session_id="hVpd7YQgRW2nD22h7q60JQ=="><label>96</label></stream>
  <stream stream_id="i1Pz3to5hGk8fuXl+PbwCw==" session_id="hVpd7YQgRW2nD22h7q60JQ=="><label>97</label></stream>
  <participantstreamassoc participant_id="srfBElmCRp2QB23b7Mpk0w==">
    <send>UAAMm5GRQKSCMVvLyl4rFw==</send>
    <recv>i1Pz3to5hGk8fuXl+PbwCw==</recv>
  </participantstreamassoc>
  <participantstreamassoc participant_id="zSfPoSvdSDCmU3A3TRDxAw=="/>
</recording>`;

Deno.test("parseMetadata() reads the RFC 7865 §6 model", () => {
  const m = parseMetadata(RFC7865);
  assert.equal(m.dataMode, "complete");
  assert.deepEqual(m.groups, ["7+OTCyoxTmqmqyA/1weDAg=="]);
  assert.deepEqual(m.sessions[0].sipSessionIds, [
    "ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2",
  ]);
  assert.equal(m.sessions[0].groupRef, "7+OTCyoxTmqmqyA/1weDAg==");
  assert.deepEqual(m.participants.map((p) => [p.aor, p.name, p.sends, p.receives]), [
    ["sip:alice@atlanta.com", "Alice", ["UAAMm5GRQKSCMVvLyl4rFw=="], ["i1Pz3to5hGk8fuXl+PbwCw=="]],
    ["sip:bob@biloxy.com", null, [], []],
  ]);
  assert.deepEqual(m.streams.map((s) => s.label), ["96", "97"]);
  assert.equal(m.extensions.structure, "structure!");
});

Deno.test("parseMetadata() accepts camelCase names and dataMode partial (Avaya)", () => {
  const m = parseMetadata(
    `<recording xmlns="urn:ietf:params:xml:ns:recording:1"><dataMode>Partial</dataMode>
    <participantStreamAssoc participantId="p"><send>s</send></participantStreamAssoc></recording>`,
  );
  assert.equal(m.dataMode, "partial");
  assert.deepEqual(m.participants[0].sends, ["s"]);
});

Deno.test("parseMetadata() flattens prefixed extension elements and name/value pairs", () => {
  const m = parseMetadata(`<r:recording xmlns:r="urn:ietf:params:xml:ns:recording:1">
    <r:participant r:participant_id="p"><x:ext xmlns:x="urn:x"><x:UCID>42</x:UCID></x:ext></r:participant>
    <x:kv xmlns:x="urn:x"><x:p name="GRECORD_PARTITIONS" value="/a/b"/></x:kv></r:recording>`);
  assert.equal(m.participants[0].extensions.UCID, "42");
  assert.equal(m.extensions.GRECORD_PARTITIONS, "/a/b");
});

Deno.test("parseMetadata() rejects non-XML and a foreign root with SipParseError", () => {
  assert.throws(() => parseMetadata("<recording>"), SipParseError);
  assert.throws(() => parseMetadata("<other/>"), /root element is "other"/);
  assert.throws(() => parseMetadata(""), SipParseError);
});

Deno.test("mergeMetadata() applies a partial update and drops disassociated participants (RFC 7865 §5)", () => {
  const base = parseMetadata(RFC7865);
  const update = parseMetadata(
    `<recording xmlns='urn:ietf:params:xml:ns:recording:1'><datamode>partial</datamode>
    <participant participant_id="carol"><nameID aor="sip:carol@x"/></participant>
    <participantsessionassoc participant_id="zSfPoSvdSDCmU3A3TRDxAw==" session_id="hVpd7YQgRW2nD22h7q60JQ==">
      <disassociate-time>2010-12-16T23:42:07Z</disassociate-time></participantsessionassoc>
    <participantstreamassoc participant_id="carol"><send>i1Pz3to5hGk8fuXl+PbwCw==</send></participantstreamassoc>
  </recording>`,
  );
  const merged = mergeMetadata(base, update);
  assert.deepEqual(merged.participants.map((p) => p.aor), ["sip:alice@atlanta.com", "sip:carol@x"]);
  assert.deepEqual(merged.participants[1].sends, ["i1Pz3to5hGk8fuXl+PbwCw=="]);
  assert.equal(merged.streams.length, 2);
});

Deno.test("metadataFromHeaders() builds caller/callee from From/To and maps X-headers", () => {
  const h = new SipHeaders([
    ["From", '"Ann" <sip:ann@x>;tag=1'],
    ["To", "<sip:+1555@y>"],
    ["X-UCID", "abc"],
  ]);
  const m = metadataFromHeaders(h, ["0", "1"], { "x-ucid": "UCID" });
  assert.deepEqual(m.participants.map((p) => [p.aor, p.name, p.sends]), [
    ["sip:ann@x", "Ann", ["0"]],
    ["sip:+1555@y", "+1555", ["1"]],
  ]);
  assert.equal(m.extensions.UCID, "abc");
});
