/** Admin page of users (labelled controls, confirmations) and the shared pickers. */
import type { UserSummary } from "../../src/store/queries/users.ts";
import type { OrgUnit } from "../../src/store/queries/org_units.ts";
import { confirmAttrs } from "./confirm.tsx";
import { CsrfField, Layout, type PageContext } from "./layout.tsx";

/** Indentation of a unit in a flat list: two spaces per level below the top. */
export function depthPrefix(u: OrgUnit): string {
  return "\u00a0\u00a0".repeat(u.path.split("/").length - 3);
}

/** A select of org units (indented by depth), with an empty choice labelled `none`. */
export function UnitSelect(
  props: {
    units: OrgUnit[];
    name: string;
    value?: number | null;
    id?: string;
    none?: string;
    /** A unit left out of the choices (a unit cannot be its own parent). */
    except?: number;
  },
) {
  return (
    <select name={props.name} id={props.id}>
      <option value="">{props.none ?? "(none)"}</option>
      {props.units.filter((u) => u.id !== props.except).map((u) => (
        <option key={u.id} value={String(u.id)} selected={u.id === props.value}>
          {depthPrefix(u)}
          {u.name}
        </option>
      ))}
    </select>
  );
}

function RoleSelect(props: { roles: string[]; value?: string; id?: string }) {
  return (
    <select name="role" id={props.id}>
      {props.roles.map((r) => <option key={r} value={r} selected={r === props.value}>{r}</option>)}
    </select>
  );
}

function UserRow(props: { u: UserSummary; roles: string[]; units: OrgUnit[]; csrf?: string }) {
  const { u, csrf } = props;
  const who = u.username;
  return (
    <tr>
      <th scope="row">
        {who}
        {u.displayName && <div class="muted">{u.displayName}</div>}
      </th>
      <td>
        <form method="post" action={`/admin/users/${u.id}`} class="cells">
          <CsrfField token={csrf} />
          <label>
            Role <RoleSelect roles={props.roles} value={u.role} />
          </label>
          <label>
            Org unit <UnitSelect units={props.units} name="org_unit_id" value={u.orgUnitId} />
          </label>
          <label>
            Agent id <input name="agent_id" value={u.agentId ?? ""} size={8} />
          </label>
          <label>
            Partitions <input name="partitions" value={u.partitions.join(", ")} size={10} />
          </label>
          <button type="submit" aria-label={`Save ${who}`}>Save</button>
        </form>
      </td>
      <td>
        <form
          method="post"
          action={`/admin/users/${u.id}/disable`}
          class="cells"
          {...(u.disabled ? {} : confirmAttrs({
            question: `Disable ${who}? They are signed out and cannot sign in until enabled.`,
            label: `Disable ${who}`,
          }))}
        >
          <CsrfField token={csrf} />
          <input type="hidden" name="disabled" value={u.disabled ? "0" : "1"} />
          <span class={u.disabled ? "error" : ""}>{u.disabled ? "disabled" : "active"}</span>
          <button
            type="submit"
            class={u.disabled ? "" : "danger"}
            aria-label={`${u.disabled ? "Enable" : "Disable"} ${who}`}
          >
            {u.disabled ? "Enable" : "Disable"}
          </button>
        </form>
      </td>
      <td>
        <form method="post" action={`/admin/users/${u.id}/password`} class="cells">
          <CsrfField token={csrf} />
          <label>
            New password{" "}
            <input name="password" type="password" autocomplete="new-password" size={10} />
          </label>
          <button type="submit" aria-label={`Reset the password of ${who}`}>Reset</button>
        </form>
        <form
          method="post"
          action={`/admin/users/${u.id}/mfa/reset`}
          {...confirmAttrs({
            question: `Remove the second factor of ${who}? Their sessions end; they enrol ` +
              "again at the next sign-in when their role requires it.",
            label: "Reset MFA",
          })}
        >
          <CsrfField token={csrf} />
          <button type="submit" class="link" aria-label={`Reset MFA of ${who}`}>
            Reset MFA
          </button>
        </form>
      </td>
    </tr>
  );
}

/** Users list with edit forms and an add form; `notice` is an error of the add form. */
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
      {props.notice && <p class="error" role="alert" id="form-error">{props.notice}</p>}
      <div class="table-scroll" tabindex={0} role="region" aria-label="Users">
        <table class="users">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role, org unit, agent id, partitions</th>
              <th scope="col">State</th>
              <th scope="col">Password and second factor</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((u) => (
              <UserRow key={u.id} u={u} roles={props.roles} units={props.units} csrf={csrf} />
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="add-user">Add user</h2>
      <form method="post" action="/admin/users" class="filters" aria-labelledby="add-user">
        <CsrfField token={csrf} />
        <label>
          Username <input name="username" required autocomplete="off" />
        </label>
        <label>
          Display name <input name="display_name" autocomplete="off" />
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
