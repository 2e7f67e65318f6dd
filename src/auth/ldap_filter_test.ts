import assert from "node:assert/strict";
import fc from "fast-check";
import {
  escapeDnValue,
  escapeFilterValue,
  fillTemplate,
  groupFilter,
  unescapeFilterValue,
} from "./ldap_filter.ts";

Deno.test("escapeFilterValue() escapes the RFC 4515 specials as \\XX", () => {
  assert.equal(escapeFilterValue("a*b(c)d\\e\0"), "a\\2ab\\28c\\29d\\5ce\\00");
  assert.equal(escapeFilterValue("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
  assert.equal(escapeFilterValue("Jürgen"), "Jürgen");
});

Deno.test("escaped filter values hold no bare special and unescape to the input", () => {
  fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => {
    const e = escapeFilterValue(s);
    assert.doesNotMatch(e, /[*()\0]|\\(?![0-9a-f]{2})/);
    assert.equal(unescapeFilterValue(e), s);
  }));
});

Deno.test("unescapeFilterValue() throws only SyntaxError on arbitrary text", () => {
  fc.assert(fc.property(fc.string(), (s) => {
    try {
      const v = unescapeFilterValue(s);
      assert.equal(unescapeFilterValue(escapeFilterValue(v)), v);
    } catch (err) {
      assert.ok(err instanceof SyntaxError, String(err));
    }
  }));
});

Deno.test("escapeDnValue() escapes RFC 4514 specials, leading # or space, trailing space", () => {
  assert.equal(escapeDnValue('a,b+c"d\\e<f>g;h'), 'a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h');
  assert.equal(escapeDnValue("#x"), "\\#x");
  assert.equal(escapeDnValue(" x "), "\\ x\\ ");
  assert.equal(escapeDnValue("alice,ou=admins"), "alice\\,ou=admins");
});

Deno.test("fillTemplate() and groupFilter() build the searches", () => {
  assert.equal(
    fillTemplate("(sAMAccountName={username})", { username: escapeFilterValue("a*") }),
    "(sAMAccountName=a\\2a)",
  );
  assert.equal(groupFilter("walk", "member", ["cn=a,dc=x"]), "(member=cn=a,dc=x)");
  assert.equal(
    groupFilter("none", "member", ["cn=a(1),dc=x", "cn=b,dc=x"]),
    "(|(member=cn=a\\281\\29,dc=x)(member=cn=b,dc=x))",
  );
  assert.equal(
    groupFilter("in-chain", "member", ["cn=u,dc=x"]),
    "(member:1.2.840.113556.1.4.1941:=cn=u,dc=x)",
  );
  assert.throws(() => groupFilter("walk", "member", []), RangeError);
});
