/**
 * The agent directory pages: the paged agent list with unit and text filters and a move
 * form per agent, the move confirmation, and the agents calls name that the directory
 * does not have.
 */
import type { AgentRow, UnknownAgent } from "../../src/store/queries/agents.ts";
import type { OrgUnit } from "../../src/store/queries/org_units.ts";
import type { UnitNames } from "../../src/agents/unit_names.ts";
import { CsrfField, Layout, type PageContext } from "./layout.tsx";

function UnitOptions(props: { units: OrgUnit[]; names: UnitNames; value: number | null }) {
  return (
    <>
      {props.units.map((u) => (
        <option key={u.id} value={String(u.id)} selected={u.id === props.value}>
          {props.names.name(u.id)}
        </option>
      ))}
    </>
  );
}

/** What the agent list shows. */
export interface AgentsPageProps {
  ctx: PageContext;
  agents: AgentRow[];
  total: number;
  units: OrgUnit[];
  names: UnitNames;
  filter: { unit: number | null; q: string; removed: boolean };
  page: number;
  pageSize: number;
  notice?: string;
  href: (page: number) => string;
}

function AgentRowView(props: { a: AgentRow; units: OrgUnit[]; names: UnitNames }) {
  const { a } = props;
  return (
    <tr>
      <td>
        <code>{a.agentId}</code>
      </td>
      <td>{a.name ?? ""}</td>
      <td>{a.extension ?? ""}</td>
      <td>{props.names.name(a.orgUnitId)}</td>
      <td>{a.source}</td>
      <td>{a.removed ? `removed ${a.removedAt?.slice(0, 10)}` : "active"}</td>
      <td>
        <form method="get" action={`/admin/agents/${encodeURIComponent(a.agentId)}/move`}>
          <select name="to" aria-label={`New unit for ${a.agentId}`}>
            <option value="">(no unit)</option>
            <UnitOptions units={props.units} names={props.names} value={a.orgUnitId} />
          </select>{" "}
          <button type="submit">Move…</button>
        </form>
      </td>
    </tr>
  );
}

/** The paged agent list. */
export function AgentsPage(props: AgentsPageProps) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  return (
    <Layout title="Agents" ctx={props.ctx}>
      {props.notice && <p class="notice" role="status">{props.notice}</p>}
      <p>
        The agent directory places agent ids in org units, so supervisors see their agents'
        recordings without a user account per agent. It is filled by{" "}
        <code>selrec agents import FILE</code> and the LDAP sync (<code>directory.agents</code>).
        {" "}
        <a href="/admin/agents/unknown">Agents on calls that the directory lacks</a>
      </p>
      <form method="get" action="/admin/agents" class="filters">
        <label>
          Unit{" "}
          <select name="unit">
            <option value="">(all)</option>
            <UnitOptions units={props.units} names={props.names} value={props.filter.unit} />
          </select>
        </label>
        <label>
          Id or name <input name="q" value={props.filter.q} maxlength={100} />
        </label>
        <label>
          <input type="checkbox" name="removed" value="1" checked={props.filter.removed} />{" "}
          include removed
        </label>
        <button type="submit">Filter</button>
      </form>
      <p>
        {props.total} agents · page {props.page} of {pages}
      </p>
      <table>
        <thead>
          <tr>
            <th>Agent id</th>
            <th>Name</th>
            <th>Extension</th>
            <th>Unit</th>
            <th>Source</th>
            <th>State</th>
            <th>Move</th>
          </tr>
        </thead>
        <tbody>
          {props.agents.map((a) => (
            <AgentRowView key={a.agentId} a={a} units={props.units} names={props.names} />
          ))}
        </tbody>
      </table>
      <nav aria-label="pages" class="pager">
        {props.page > 1 && <a href={props.href(props.page - 1)} rel="prev">Previous</a>}{" "}
        {props.page < pages && <a href={props.href(props.page + 1)} rel="next">Next</a>}
      </nav>
    </Layout>
  );
}

/** The confirmation before a move. */
export function MoveAgentPage(
  props: { ctx: PageContext; agent: AgentRow; from: string; to: string; toValue: string },
) {
  const { agent } = props;
  return (
    <Layout title={`Move agent ${agent.agentId}`} ctx={props.ctx}>
      <p>
        Move <strong>{agent.name ?? agent.agentId}</strong> (<code>{agent.agentId}</code>) from{" "}
        <strong>{props.from}</strong> to <strong>{props.to}</strong>?
      </p>
      <p>
        Supervisors of {props.to}{" "}
        will see all of this agent's recordings, including past ones; supervisors of {props.from}
        {" "}
        will no longer see them. The move is audited.
        {agent.source !== "manual" &&
          ` The agent came from the ${agent.source} import: the next import puts them back ` +
            "where it says unless the source changes too."}
      </p>
      <form method="post" action={`/admin/agents/${encodeURIComponent(agent.agentId)}/move`}>
        <CsrfField token={props.ctx.csrfToken} />
        <input type="hidden" name="to" value={props.toValue} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit">Move to {props.to}</button> <a href="/admin/agents">Cancel</a>
      </form>
    </Layout>
  );
}

/** Agent ids calls and recordings carry that the directory does not have. */
export function UnknownAgentsPage(props: { ctx: PageContext; rows: UnknownAgent[] }) {
  return (
    <Layout title="Unknown agents" ctx={props.ctx}>
      <p>
        These agent ids appear on calls or recordings but not in the agent directory. Their
        recordings are visible only to supervisors at a root unit (or through a user account
        carrying the id) until they are imported.
      </p>
      {props.rows.length === 0 ? <p>None: every agent on a call is in the directory.</p> : (
        <table>
          <thead>
            <tr>
              <th>Agent id</th>
              <th>Calls</th>
              <th>Recordings</th>
              <th>Last call</th>
              <th>User account</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr key={r.agentId}>
                <td>
                  <code>{r.agentId}</code>
                </td>
                <td>{r.calls}</td>
                <td>
                  <a href={`/recordings?agent=${encodeURIComponent(r.agentId)}`}>{r.recordings}</a>
                </td>
                <td>{r.lastSeen ?? ""}</td>
                <td>{r.username ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
