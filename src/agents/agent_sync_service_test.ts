import assert from "node:assert/strict";
import { migrate, openStore } from "../store/db.ts";
import { AuditLog } from "../audit/audit_log.ts";
import { nullLogger } from "../log.ts";
import { resolveConfig } from "../config.ts";
import { agentSyncFor } from "./agent_sync_service.ts";

const SAN = { sanitizeOps: true, sanitizeResources: true };

Deno.test(
  "the agent sync service audits a failed run, changes nothing, and stops cleanly",
  SAN,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "selrec-agent-sync-" });
    await Deno.writeTextFile(`${dir}/pw`, "secret\n");
    // A port nobody listens on: the directory is down.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const config = resolveConfig(
      {
        auth: {
          ldap: {
            url: `ldaps://127.0.0.1:${port}`,
            timeoutSeconds: 1,
            userSearch: { baseDn: "ou=p", bindDn: "cn=svc", bindPasswordFile: `${dir}/pw` },
            groupSearch: { baseDn: "ou=g" },
            mappings: [{ group: "cn=a,ou=g", role: "admin" }],
          },
        },
        directory: { agents: { ldap: { baseDn: "ou=agents", attributes: { id: "uid" } } } },
      },
      {},
      "t.yaml",
    );
    try {
      await using store = openStore(`${dir}/a.db`);
      await migrate(store.db);
      assert.deepEqual(
        agentSyncFor({ ...config, directory: { agents: {} } }, {
          db: store.db,
          audit: new AuditLog(store.db),
          log: nullLogger,
        }),
        [],
      );
      const [service] = agentSyncFor(config, {
        db: store.db,
        audit: new AuditLog(store.db),
        log: nullLogger,
      });
      await service.start();
      let row;
      for (let i = 0; i < 100 && !row; i++) {
        await new Promise((r) => setTimeout(r, 50));
        row = await store.db.selectFrom("audit_events").selectAll()
          .where("action", "=", "agents.sync").executeTakeFirst();
      }
      await service.stop();
      assert.ok(row, "a failed sync is audited");
      assert.equal(row.outcome, "failed");
      assert.equal(row.actor_type, "system");
      const details = JSON.parse(row.details);
      assert.equal(
        details.origin,
        `ldaps://127.0.0.1:${port} ou=agents (objectClass=inetOrgPerson)`,
      );
      assert.ok(details.error.length > 0);
      const agents = await store.db.selectFrom("agents").selectAll().execute();
      assert.equal(agents.length, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
