/**
 * `/admin/org`: the org-unit tree with, per unit, a rename form and a move form (new
 * parent, or the top level), and the add form. Moving refuses a cycle (web/routes/admin_org.tsx).
 */
import type { OrgUnit } from "../../src/store/queries/org_units.ts";
import { CsrfField, Layout, type PageContext } from "./layout.tsx";
import { depthPrefix, UnitSelect } from "./admin_view.tsx";

function UnitRow(props: { u: OrgUnit; units: OrgUnit[]; csrf?: string }) {
  const { u, units, csrf } = props;
  const parent = units.find((x) => x.id === u.parentId);
  return (
    <tr data-unit={String(u.id)}>
      <th scope="row">
        <span class="depth" aria-hidden="true">{depthPrefix(u)}</span>
        {u.name}
        <div class="muted">{parent ? `in ${parent.name}` : "top level"}</div>
      </th>
      <td>
        <form method="post" action={`/admin/org/${u.id}/rename`} class="cells">
          <CsrfField token={csrf} />
          <label>
            New name <input name="name" value={u.name} required maxlength={100} size={14} />
          </label>
          <button type="submit" aria-label={`Rename ${u.name}`}>Rename</button>
        </form>
      </td>
      <td>
        <form method="post" action={`/admin/org/${u.id}/move`} class="cells">
          <CsrfField token={csrf} />
          <label>
            Move under{" "}
            <UnitSelect
              units={units}
              name="parent_id"
              value={u.parentId}
              none="(top level)"
              except={u.id}
            />
          </label>
          <button type="submit" aria-label={`Move ${u.name}`}>Move</button>
        </form>
      </td>
    </tr>
  );
}

/** The org-unit tree with rename and move forms and an add form. */
export function OrgPage(props: { ctx: PageContext; units: OrgUnit[]; error?: string }) {
  const csrf = props.ctx.csrfToken;
  return (
    <Layout title="Org units" ctx={props.ctx}>
      {props.error && <p class="error" role="alert" id="form-error">{props.error}</p>}
      <p class="muted">
        Supervisors see the agents of their unit and every unit below it. Moving a unit moves
        everything below it; a unit at the top level also sees agents placed in no unit.
      </p>
      <div class="table-scroll" tabindex={0} role="region" aria-label="Org units">
        <table class="org">
          <thead>
            <tr>
              <th scope="col">Unit</th>
              <th scope="col">Rename</th>
              <th scope="col">Move</th>
            </tr>
          </thead>
          <tbody>
            {props.units.map((u) => <UnitRow key={u.id} u={u} units={props.units} csrf={csrf} />)}
          </tbody>
        </table>
      </div>
      {props.units.length === 0 && <p class="notice">No org units yet.</p>}
      <h2 id="add-unit">Add unit</h2>
      <form method="post" action="/admin/org" class="filters" aria-labelledby="add-unit">
        <CsrfField token={csrf} />
        <label>
          Name <input name="name" required maxlength={100} />
        </label>
        <label>
          Parent <UnitSelect units={props.units} name="parent_id" none="(top level)" />
        </label>
        <button type="submit">Add unit</button>
      </form>
    </Layout>
  );
}
