/** The page frame: header with navigation by permission, sign-out form, content. */
import type { Child } from "hono/jsx";
import type { Principal } from "../context.ts";
import { ScopeNote } from "./scope_note.tsx";

/** What every page needs to render its frame. */
export interface PageContext {
  principal?: Principal;
  csrfToken?: string;
  /** Why the user's scope hides every recording and call (lists only). */
  scopeNotes?: readonly string[];
}

/** A hidden CSRF field for forms. */
export function CsrfField(props: { token?: string }) {
  return <input type="hidden" name="_csrf" value={props.token ?? ""} />;
}

function Nav(props: { p: Principal; csrf?: string }) {
  const has = (x: string) => props.p.permissions.has(x as never);
  return (
    <nav>
      <a href="/" class="brand">selrec</a>
      {has("recording.search") && <a href="/recordings">Recordings</a>}
      {has("pause.own") && props.p.agentId && <a href="/agent">My call</a>}
      {(has("recording.search") || has("system.manage")) && <a href="/calls">Active calls</a>}
      {has("users.manage") && <a href="/admin/users">Users</a>}
      {has("users.manage") && <a href="/admin/roles">Roles</a>}
      {has("users.manage") && <a href="/admin/org">Org units</a>}
      {has("users.manage") && <a href="/admin/agents">Agents</a>}
      {has("users.manage") && <a href="/admin/tokens">API tokens</a>}
      {has("rules.view") && <a href="/admin/rules">Rules</a>}
      {has("report.view") && <a href="/reports">Reports</a>}
      {has("audit.view") && <a href="/audit">Audit</a>}
      {has("system.manage") && <a href="/admin/system">System</a>}
      <form method="post" action="/sign-out" class="signout">
        <CsrfField token={props.csrf} />
        <span>{props.p.name}</span> <button type="submit">Sign out</button>
      </form>
    </nav>
  );
}

/** Renders a full HTML page. */
export function Layout(
  props: { title: string; ctx: PageContext; children?: Child; scripts?: string[] },
) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.ctx.csrfToken && <meta name="csrf-token" content={props.ctx.csrfToken} />}
        <title>{props.title} · selrec</title>
        <link rel="stylesheet" href="/static/app.css" />
        {(props.scripts ?? []).map((s) => <script key={s} src={`/static/${s}`} defer></script>)}
      </head>
      <body>
        {props.ctx.principal && <Nav p={props.ctx.principal} csrf={props.ctx.csrfToken} />}
        <main>
          <h1>{props.title}</h1>
          <ScopeNote notes={props.ctx.scopeNotes} />
          {props.children}
        </main>
      </body>
    </html>
  );
}
