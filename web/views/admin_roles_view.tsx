/**
 * `/admin/roles` as one grid: a row per permission, a column per role, a labelled checkbox
 * per cell (named by its row and column headers), the roles' descriptions on top, and one
 * save for all of it.
 */
import { PERMISSIONS } from "../../src/auth/permissions.ts";
import { CsrfField, Layout, type PageContext } from "./layout.tsx";

/** A role as the grid shows it. */
export interface GridRole {
  name: string;
  description: string;
  builtIn: boolean;
  permissions: ReadonlySet<string>;
}

/** What each permission allows, in a few words. */
export const PERMISSION_TEXT: Record<string, string> = {
  "recording.search": "Search and list recordings in scope",
  "recording.play": "Play recordings in scope",
  "recording.export": "Download recordings (audited)",
  "recording.delete": "Delete recordings with a reason",
  "recording.hold": "Place and release legal holds",
  "audit.view": "Read the audit trail",
  "audit.export": "Export the audit trail as CSV",
  "report.view": "See reports",
  "report.export": "Export reports",
  "rules.view": "Read the recording rules",
  "users.manage": "Manage users, roles, org units and tokens",
  "system.manage": "See system health and storage",
  "pause.own": "Pause and resume one's own call (agents)",
};

const cellId = (role: string, p: string) => `g-${role}-${p.replace(".", "-")}`;
const permId = (p: string) => `perm-${p.replace(".", "-")}`;

function Grid(props: { roles: GridRole[]; csrf?: string }) {
  const { roles } = props;
  return (
    <form method="post" action="/admin/roles/_grid" id="role-grid">
      <CsrfField token={props.csrf} />
      <div class="table-scroll" tabindex={0} role="region" aria-label="Permissions by role">
        <table class="grid">
          <caption class="sr-only">Permissions (rows) granted to each role (columns)</caption>
          <thead>
            <tr>
              <th scope="col">Permission</th>
              {roles.map((r) => (
                <th scope="col" key={r.name} id={`role-${r.name}`} class="role-col">
                  {r.name} {r.builtIn && <small class="muted">(shipped)</small>}
                </th>
              ))}
            </tr>
            <tr>
              <th scope="row">Description</th>
              {roles.map((r) => (
                <td key={r.name}>
                  <label class="sr-only" for={`desc-${r.name}`}>Description of {r.name}</label>
                  <textarea
                    id={`desc-${r.name}`}
                    name={`description:${r.name}`}
                    required
                    maxlength={200}
                    rows={3}
                  >
                    {r.description}
                  </textarea>
                </td>
              ))}
            </tr>
          </thead>
          <tbody>
            {PERMISSIONS.map((p) => (
              <tr key={p}>
                <th scope="row" id={permId(p)}>
                  <code>{p}</code>
                  <br />
                  <small class="muted">{PERMISSION_TEXT[p] ?? ""}</small>
                </th>
                {roles.map((r) => (
                  <td key={r.name} class="cell">
                    <input
                      type="checkbox"
                      id={cellId(r.name, p)}
                      name="grant"
                      value={`${r.name}:${p}`}
                      checked={r.permissions.has(p)}
                      aria-labelledby={`${permId(p)} role-${r.name}`}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <button type="submit">Save all roles</button>{" "}
        <span class="muted">Every changed role is one audit entry (before and after).</span>
      </p>
    </form>
  );
}

/** The roles page: the grid and the add form. */
export function RolesPage(props: { ctx: PageContext; roles: GridRole[]; error?: string }) {
  return (
    <Layout title="Roles" ctx={props.ctx}>
      <p>
        A recording is visible only with the permission <em>and</em> a shared partition <em>and</em>
        {" "}
        the org hierarchy; roles grant the permissions.
      </p>
      {props.error && <p class="error" role="alert">{props.error}</p>}
      <Grid roles={props.roles} csrf={props.ctx.csrfToken} />
      <h2 id="add-role">Add role</h2>
      <form method="post" action="/admin/roles" class="filters" aria-labelledby="add-role">
        <CsrfField token={props.ctx.csrfToken} />
        <label>
          Name <input name="name" required pattern="[a-z][a-z0-9_-]{1,31}" />
        </label>
        <label>
          Description <input name="description" required maxlength={200} />
        </label>
        <button type="submit">Add role</button>
      </form>
    </Layout>
  );
}
