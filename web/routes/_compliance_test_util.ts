/**
 * Test harness for the audit and report sub-apps: the web services built from a real
 * store on a temp data dir and a real audit log, and a web app that mounts the sub-apps
 * behind a fake principal with chosen permissions.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { resolveConfig } from "../../src/config.ts";
import { realWebServices } from "../../tests/web/harness.ts";
import type { Permission } from "../../src/auth/permissions.ts";
import type { AppEnv, Principal, WebServices } from "../context.ts";
import { auditRoutes } from "./audit.tsx";
import { type ReportRouteOptions, reportRoutes } from "./reports.tsx";

/** The web services plus a request helper acting as a principal with `perms`. */
export interface ComplianceHarness extends AsyncDisposable {
  services: WebServices;
  dir: string;
  /** Requests `path` as a user holding `perms` (null: not signed in). */
  get(path: string, perms: Permission[] | null): Promise<Response>;
  web: Hono<AppEnv>;
}

/** A principal for tests. */
export function testPrincipal(perms: Permission[]): Principal {
  return {
    kind: "user",
    id: 7,
    name: "carol",
    userId: 7,
    role: "compliance",
    permissions: new Set(perms),
    partitions: ["*"],
    orgPath: "/1/",
    orgRoot: true,
    agentId: null,
  };
}

/** Builds the harness; dispose closes the store and removes its files. */
export async function complianceHarness(
  reportOptions: ReportRouteOptions = {},
): Promise<ComplianceHarness> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-compliance-" });
  // The report seed places agents in units outside the test principal's tree; with the
  // hierarchy check off, the principal (partitions `*`) reads every seeded recording.
  const config = resolveConfig({ dataDir: dir, auth: { scope: { hierarchy: false } } }, {}, "test");
  const { services, store } = await realWebServices(config, "x".repeat(16));
  const web = new Hono<AppEnv>();
  web.use(async function testPrincipalFromHeader(c, next) {
    c.set("services", services);
    const perms = c.req.header("X-Test-Perms");
    if (perms !== undefined) {
      c.set("principal", testPrincipal(perms.split(",").filter(Boolean) as Permission[]));
    }
    await next();
  });
  web.route("/audit", auditRoutes());
  web.route("/reports", reportRoutes(reportOptions));
  web.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    throw err;
  });
  return {
    services,
    dir,
    web,
    get: (path, perms) =>
      Promise.resolve(web.request(path, {
        headers: {
          ...(perms ? { "X-Test-Perms": perms.join(",") } : {}),
          "X-Forwarded-For": "203.0.113.9",
        },
      })),
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
