/** Admin pages: users, org-unit tree, API tokens. */
import type { UserSummary } from "../../src/store/queries/users.ts";
import type { OrgUnit } from "../../src/store/queries/org_units.ts";
import type { TokenSummary } from "../../src/store/queries/tokens.ts";
import { CsrfField, Layout, type PageContext } from "./layout.tsx";

function UnitSelect(props: { units: OrgUnit[]; name: string; value?: number | null }) {
  return (
    <select name={props.name}>
      <option value="">(none)</option>
      {props.units.map((u) => (
        <option key={u.id} value={String(u.id)} selected={u.id === props.value}>
          {"· ".repeat(u.path.split("/").length - 3)}
          {u.name}
        </option>
      ))}
    </select>
  );
}

function RoleSelect(props: { roles: string[]; value?: string }) {
  return (
    <select name="role">
      {props.roles.map((r) => <option key={r} value={r} selected={r === props.value}>{r}</option>)}
    </select>
  );
}

/** Users list with edit forms and an add form. */
export function UsersPage(
  props: {
    ctx: PageContext;
    users: UserSummary[];
    roles: string[];
    units: OrgUnit[];
    notice?: string;
  },
) {
  const csrf = props.ctx.csrfToken;
  return (
    <Layout title="Users" ctx={props.ctx}>
      {props.notice && <p class="notice" role="status">{props.notice}</p>}
      <table>
        <thead>
          <tr>
            <th>User</th>
            <th>Role, org unit, agent id, partitions</th>
            <th>State</th>
            <th>Password</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => (
            <tr key={u.id}>
              <td>
                {u.username}
                <br />
                {u.displayName ?? ""}
              </td>
              <td>
                <form method="post" action={`/admin/users/${u.id}`} class="inline">
                  <CsrfField token={csrf} />
                  <RoleSelect roles={props.roles} value={u.role} />
                  <UnitSelect units={props.units} name="org_unit_id" value={u.orgUnitId} />
                  <input name="agent_id" value={u.agentId ?? ""} placeholder="agent id" size={8} />
                  <input
                    name="partitions"
                    value={u.partitions.join(", ")}
                    placeholder="partitions"
                    size={12}
                  />
                  <button type="submit">Save</button>
                </form>
              </td>
              <td>
                <form method="post" action={`/admin/users/${u.id}/disable`}>
                  <CsrfField token={csrf} />
                  <input type="hidden" name="disabled" value={u.disabled ? "0" : "1"} />
                  {u.disabled ? "disabled " : "active "}
                  <button type="submit">{u.disabled ? "Enable" : "Disable"}</button>
                </form>
              </td>
              <td>
                <form method="post" action={`/admin/users/${u.id}/password`}>
                  <CsrfField token={csrf} />
                  <input
                    name="password"
                    type="password"
                    autocomplete="new-password"
                    placeholder="new password"
                    size={10}
                  />
                  <button type="submit">Reset</button>
                </form>
                <form method="post" action={`/admin/users/${u.id}/mfa/reset`}>
                  <CsrfField token={csrf} />
                  <button type="submit">Reset MFA</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Add user</h2>
      <form method="post" action="/admin/users" class="filters">
        <CsrfField token={csrf} />
        <label>
          Username <input name="username" required />
        </label>
        <label>
          Display name <input name="display_name" />
        </label>
        <label>
          Password (≥ 12){" "}
          <input name="password" type="password" autocomplete="new-password" required />
        </label>
        <label>
          Role <RoleSelect roles={props.roles} />
        </label>
        <label>
          Org unit <UnitSelect units={props.units} name="org_unit_id" />
        </label>
        <label>
          Agent id <input name="agent_id" />
        </label>
        <label>
          Partitions (* = all) <input name="partitions" />
        </label>
        <button type="submit">Add user</button>
      </form>
    </Layout>
  );
}

/** The org-unit tree with an add form. */
export function OrgPage(props: { ctx: PageContext; units: OrgUnit[] }) {
  return (
    <Layout title="Org units" ctx={props.ctx}>
      <ul class="tree">
        {props.units.map((u) => (
          <li key={u.id}>
            {"· ".repeat(u.path.split("/").length - 3)}
            {u.name} <small>({u.path})</small>
          </li>
        ))}
      </ul>
      <h2>Add unit</h2>
      <form method="post" action="/admin/org" class="filters">
        <CsrfField token={props.ctx.csrfToken} />
        <label>
          Name <input name="name" required />
        </label>
        <label>
          Parent <UnitSelect units={props.units} name="parent_id" />
        </label>
        <button type="submit">Add</button>
      </form>
    </Layout>
  );
}

/** API tokens; `created` is the plaintext of a token just made, shown this once. */
export function TokensPage(props: {
  ctx: PageContext;
  tokens: TokenSummary[];
  users: UserSummary[];
  permissions: string[];
  created?: string;
}) {
  const csrf = props.ctx.csrfToken;
  return (
    <Layout title="API tokens" ctx={props.ctx}>
      {props.created && (
        <section>
          <p>Copy this token now; it is not shown again:</p>
          <p class="token" id="new-token">{props.created}</p>
        </section>
      )}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Scopes</th>
            <th>Owner</th>
            <th>Agent</th>
            <th>Last used</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {props.tokens.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{t.scopes.join(" ")}</td>
              <td>{props.users.find((u) => u.id === t.userId)?.username ?? ""}</td>
              <td>{t.agentId ?? ""}</td>
              <td>{t.lastUsedAt ?? "never"}</td>
              <td>
                {t.revokedAt
                  ? `revoked ${t.revokedAt}`
                  : (
                    <form method="post" action={`/admin/tokens/${t.id}/revoke`}>
                      <CsrfField token={csrf} />
                      <button type="submit">Revoke</button>
                    </form>
                  )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Create token</h2>
      <form method="post" action="/admin/tokens" class="filters">
        <CsrfField token={csrf} />
        <label>
          Name <input name="name" required />
        </label>
        <label>
          Owner
          <select name="user_id">
            <option value="">(none: agent desktop)</option>
            {props.users.map((u) => <option key={u.id} value={String(u.id)}>{u.username}</option>)}
          </select>
        </label>
        <label>
          Agent id <input name="agent_id" />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {props.permissions.map((p) => (
            <label key={p}>
              <span>
                <input type="checkbox" name="scopes" value={p} /> {p}
              </span>
            </label>
          ))}
        </fieldset>
        <button type="submit">Create</button>
      </form>
    </Layout>
  );
}
