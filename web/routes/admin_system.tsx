/**
 * `GET /admin/rules` (rules.view): the rule files in `config.rules.dir` with the loader's
 * verdict (valid, or every error with file:line:col). `GET /admin/system` (system.manage):
 * version, health, storage locations with disk use, active calls, open alarms.
 */
import { Hono } from "hono";
import { join } from "node:path";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { formatRuleError, isRuleFileName, loadRules } from "../../src/rules/loader.ts";
import { Layout } from "../views/layout.tsx";
import { pageContext } from "../views/page.ts";
import { listLocations } from "../../src/store/queries/storage.ts";
import { openAlarms } from "../../src/store/queries/alarms.ts";

/** Size and free bytes of the filesystem holding `path`, via `df`; null when unknown. */
export async function diskUsage(path: string): Promise<{ size: number; avail: number } | null> {
  try {
    const out = await new Deno.Command("df", {
      args: ["-B1", "--output=size,avail", path],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    if (!out.success) return null;
    const line = new TextDecoder().decode(out.stdout).trim().split("\n")[1] ?? "";
    const [size, avail] = line.trim().split(/\s+/).map(Number);
    return Number.isFinite(size) && Number.isFinite(avail) ? { size, avail } : null;
  } catch {
    return null;
  }
}

function gb(n: number): string {
  return `${(n / 1e9).toFixed(1)} GB`;
}

/** Rules and system sub-app, mounted at /admin. */
export function adminSystemRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/rules", requirePermission("rules.view"), async (c) => {
    const dir = c.get("services").config.rules.dir;
    const result = await loadRules(dir);
    const files: { name: string; text: string }[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.isFile && isRuleFileName(e.name)) {
          files.push({ name: e.name, text: await Deno.readTextFile(join(dir, e.name)) });
        }
      }
    } catch {
      // the loader reports the directory error
    }
    files.sort((a, b) => a.name.localeCompare(b.name));
    return c.html(
      <Layout title="Rules" ctx={pageContext(c)}>
        {result.ok
          ? (
            <p class="notice" id="rules-verdict">
              Valid: {result.ruleSet.rules.length} rules in {result.ruleSet.files.length}{" "}
              files (version {result.ruleSet.fingerprint}).
            </p>
          )
          : (
            <section id="rules-verdict">
              <p class="error">The rules do not load:</p>
              <ul>
                {result.errors.map((e, i) => (
                  <li key={String(i)}>
                    <code>{formatRuleError(e)}</code>
                  </li>
                ))}
              </ul>
            </section>
          )}
        {files.map((f) => (
          <section key={f.name}>
            <h2>{f.name}</h2>
            <pre class="trace" tabindex={0} role="region" aria-label={`Rule file ${f.name}`}>
              {f.text}
            </pre>
          </section>
        ))}
      </Layout>,
    );
  });
  r.get("/system", requirePermission("system.manage"), async (c) => {
    const svc = c.get("services");
    const health = svc.health();
    const locations = await listLocations(svc.store.db);
    const disks = await Promise.all(locations.map((l) => diskUsage(l.path)));
    const dataDisk = await diskUsage(svc.config.dataDir);
    const alarms = await openAlarms(svc.store.db);
    const active = svc.callControl?.listActive() ?? [];
    return c.html(
      <Layout title="System" ctx={pageContext(c)}>
        <section>
          <dl class="kv">
            <dt>Version</dt>
            <dd>{health.version}</dd>
            <dt>Status</dt>
            <dd>{health.status}</dd>
            <dt>Uptime</dt>
            <dd>{health.uptimeSeconds} s</dd>
            <dt>Database</dt>
            <dd>{health.db}</dd>
            <dt>Data disk</dt>
            <dd>{dataDisk ? `${gb(dataDisk.avail)} free of ${gb(dataDisk.size)}` : "unknown"}</dd>
            <dt>Active calls</dt>
            <dd>
              {svc.callControl
                ? `${active.length} (${active.filter((a) => a.paused).length} paused)`
                : "recorder not running"}
            </dd>
          </dl>
        </section>
        <h2 id="storage">Storage</h2>
        <div class="table-scroll" tabindex={0} role="region" aria-labelledby="storage">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Path</th>
                <th scope="col">Healthy</th>
                <th scope="col">Free</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {locations.map((l, i) => (
                <tr key={String(l.id)}>
                  <td>{l.name}</td>
                  <td>{l.kind}</td>
                  <td>{l.path}</td>
                  <td>{l.healthy ? "yes" : "no"}</td>
                  <td>{disks[i] ? `${gb(disks[i]!.avail)} / ${gb(disks[i]!.size)}` : "unknown"}</td>
                  <td>{l.last_error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h2>Open alarms</h2>
        <ul>
          {alarms.map((a) => (
            <li key={String(a.id)}>{a.severity}: {a.kind} — {a.message} (since {a.raised_at})</li>
          ))}
        </ul>
      </Layout>,
    );
  });
  return r;
}
