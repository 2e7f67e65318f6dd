/**
 * A real OpenLDAP server for integration tests: Debian's `slapd` started on free ports
 * (ldap:// and ldaps://) with a generated slapd.conf in a temp dir, a certificate from
 * the test's own CA (tests/helpers/tls_certs.ts), and seeded with `ldapadd`. People are
 * under ou=people, groups (groupOfNames, nested by membership) under ou=groups.
 */
import { freeTcpPort } from "./ports.ts";
import { makeTestCerts, type TestCerts } from "./tls_certs.ts";

/** Suffix of the test directory. */
export const SUFFIX = "dc=example,dc=com";
/** The directory manager (rootdn) and its password. */
export const MANAGER = { dn: `cn=manager,${SUFFIX}`, password: "manager-secret" };

/** A running slapd. */
export interface TestSlapd extends AsyncDisposable {
  dir: string;
  certs: TestCerts;
  ldapUrl: string;
  ldapsUrl: string;
  /** Runs `ldapadd` / `ldapmodify` / `ldapdelete` as the manager with `ldif` on stdin. */
  modify(tool: "ldapadd" | "ldapmodify" | "ldapdelete", input: string): Promise<void>;
  /** Stops the server (SIGTERM, wait). */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data. */
  start(): Promise<void>;
}

async function run(cmd: string, args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${text}`);
  return text;
}

function conf(dir: string, certs: TestCerts): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile ${certs.ca}
TLSCertificateFile ${certs.server.cert}
TLSCertificateKeyFile ${certs.server.key}
database mdb
maxsize 10485760
suffix "${SUFFIX}"
rootdn "${MANAGER.dn}"
rootpw ${MANAGER.password}
directory ${dir}/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
`;
}

/** The base entries: the suffix, ou=people, ou=groups. */
export const BASE_LDIF = `dn: ${SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,${SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${SUFFIX}
objectClass: organizationalUnit
ou: groups
`;

/** LDIF of a person `uid` with `password`. */
export function personLdif(uid: string, password: string, displayName = uid): string {
  return `dn: uid=${uid},ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${displayName}
sn: ${uid}
displayName: ${displayName}
userPassword: ${password}
`;
}

/** LDIF of a group `cn` whose members are the DNs `members`. */
export function groupLdif(cn: string, members: string[]): string {
  return `dn: cn=${cn},ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: ${cn}
${members.map((m) => `member: ${m}`).join("\n")}
`;
}

/** Starts slapd on free ports with fresh certificates and the base entries. */
export async function startSlapd(): Promise<TestSlapd> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-slapd-" });
  const certs = await makeTestCerts();
  await Deno.mkdir(`${dir}/db`);
  await Deno.writeTextFile(`${dir}/slapd.conf`, conf(dir, certs));
  const port = freeTcpPort();
  let tlsPort = freeTcpPort();
  while (tlsPort === port) tlsPort = freeTcpPort();
  const ldapUrl = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${tlsPort}`;
  let child: Deno.ChildProcess | null = null;
  const start = async () => {
    child = new Deno.Command("slapd", {
      args: ["-f", `${dir}/slapd.conf`, "-h", `${ldapUrl}/ ${ldapsUrl}/`, "-d", "0"],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const deadline = Date.now() + 15_000;
    while (true) {
      try {
        await run("ldapsearch", ["-x", "-H", ldapUrl, "-s", "base", "-b", "", "(objectClass=*)"]);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`slapd did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const stop = async () => {
    const c = child as Deno.ChildProcess | null;
    if (!c) return;
    child = null;
    c.kill("SIGTERM");
    await c.stderr.cancel();
    await c.status;
  };
  await start();
  const auth = ["-x", "-H", ldapUrl, "-D", MANAGER.dn, "-w", MANAGER.password];
  const server: TestSlapd = {
    dir,
    certs,
    ldapUrl,
    ldapsUrl,
    async modify(tool, input) {
      await run(
        tool,
        tool === "ldapdelete" ? [...auth, ...input.trim().split("\n")] : auth,
        tool === "ldapdelete" ? undefined : input,
      );
    },
    stop,
    start,
    async [Symbol.asyncDispose]() {
      await stop();
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(certs.dir, { recursive: true });
    },
  };
  await server.modify("ldapadd", BASE_LDIF);
  return server;
}
