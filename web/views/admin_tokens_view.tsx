/**
 * `/admin/tokens`: the tokens with their scopes, owner, expiry and a revoke button that
 * asks first; the create form (a name, at least one scope, an expiry of 1-366 days), its
 * error naming the field, and a new token's value shown once.
 */
import type { UserSummary } from "../../src/store/queries/users.ts";
import type { TokenSummary } from "../../src/store/queries/tokens.ts";
import { TOKEN_DAYS } from "../../src/auth/api_tokens.ts";
import { confirmAttrs } from "./confirm.tsx";
import { LocalTime } from "./format.tsx";
import { CsrfField, Layout, type PageContext } from "./layout.tsx";

/** What the create form shows again after an error. */
export interface TokenDraft {
  name: string;
  scopes: string[];
  userId: number | null;
  agentId: string;
  days: string;
}

function State(props: { t: TokenSummary; now: string }) {
  const { t } = props;
  if (t.revokedAt) {
    return (
      <span>
        revoked <LocalTime iso={t.revokedAt} />
      </span>
    );
  }
  if (t.expiresAt === null) return <span>no expiry (made before expiry existed)</span>;
  if (t.expiresAt <= props.now) return <span class="error">expired</span>;
  return (
    <span>
      until <LocalTime iso={t.expiresAt} />
    </span>
  );
}

function TokenRow(props: { t: TokenSummary; users: UserSummary[]; now: string; csrf?: string }) {
  const { t } = props;
  const live = !t.revokedAt && (t.expiresAt === null || t.expiresAt > props.now);
  return (
    <tr>
      <th scope="row">{t.name}</th>
      <td>{t.scopes.join(" ")}</td>
      <td>{props.users.find((u) => u.id === t.userId)?.username ?? ""}</td>
      <td>{t.agentId ?? ""}</td>
      <td>{t.lastUsedAt ? <LocalTime iso={t.lastUsedAt} /> : "never"}</td>
      <td>
        <State t={t} now={props.now} />
      </td>
      <td>
        {live && (
          <form
            method="post"
            action={`/admin/tokens/${t.id}/revoke`}
            {...confirmAttrs({
              question: `Revoke token ${t.name}? Whatever uses it stops working at once.`,
              label: `Revoke ${t.name}`,
            })}
          >
            <CsrfField token={props.csrf} />
            <button type="submit" class="danger" aria-label={`Revoke token ${t.name}`}>
              Revoke
            </button>
          </form>
        )}
      </td>
    </tr>
  );
}

/** API tokens; `created` is the plaintext of a token just made, shown this once. */
export function TokensPage(props: {
  ctx: PageContext;
  tokens: TokenSummary[];
  users: UserSummary[];
  permissions: string[];
  now: string;
  created?: string;
  error?: string;
  draft?: TokenDraft;
}) {
  const csrf = props.ctx.csrfToken;
  const d = props.draft;
  return (
    <Layout title="API tokens" ctx={props.ctx} scripts={["local_time.js"]}>
      {props.created && (
        <section role="status">
          <p>Token created. Copy it now; it is not shown again:</p>
          <p class="token" id="new-token">{props.created}</p>
        </section>
      )}
      <div class="table-scroll" tabindex={0} role="region" aria-label="API tokens">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Owner</th>
              <th scope="col">Agent</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((t) => (
              <TokenRow key={t.id} t={t} users={props.users} now={props.now} csrf={csrf} />
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="create-token">Create token</h2>
      {props.error && <p class="error" role="alert" id="form-error">{props.error}</p>}
      <form method="post" action="/admin/tokens" class="filters" aria-labelledby="create-token">
        <CsrfField token={csrf} />
        <label>
          Name <input name="name" required pattern="[\w.@\-]{1,64}" value={d?.name ?? ""} />
        </label>
        <label>
          Owner
          <select name="user_id">
            <option value="">(none: agent desktop or API)</option>
            {props.users.map((u) => (
              <option key={u.id} value={String(u.id)} selected={u.id === d?.userId}>
                {u.username}
              </option>
            ))}
          </select>
        </label>
        <label>
          Agent id <input name="agent_id" value={d?.agentId ?? ""} />
        </label>
        <label>
          Expires in (days, {TOKEN_DAYS.min}-{TOKEN_DAYS.max}){" "}
          <input
            name="expires_days"
            type="number"
            required
            min={TOKEN_DAYS.min}
            max={TOKEN_DAYS.max}
            value={d?.days ?? String(TOKEN_DAYS.default)}
          />
        </label>
        <fieldset class="scopes">
          <legend>Scopes (at least one)</legend>
          {props.permissions.map((p) => (
            <label key={p} class="check">
              <input type="checkbox" name="scopes" value={p} checked={d?.scopes.includes(p)} /> {p}
            </label>
          ))}
        </fieldset>
        <button type="submit">Create token</button>
      </form>
    </Layout>
  );
}
