/** The page frame: header with navigation by permission, sign-out form, content. */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { Principal } from "../context.ts";
import { ScopeNote } from "./scope_note.tsx";

/** What every page needs to render its frame. */
export interface PageContext {
  principal?: Principal;
  csrfToken?: string;
  /** Why the user's scope hides every recording and call (lists only). */
  scopeNotes?: readonly string[];
  /** The request path, for `aria-current` in the navigation. */
  path?: string;
  /** A one-shot success message from the action before the redirect (flash.ts). */
  flash?: string;
}

/** A hidden CSRF field for forms. */
export function CsrfField(props: { token?: string }) {
  return <input type="hidden" name="_csrf" value={props.token ?? ""} />;
}

/** Whether `section` is the page at `path` (or a page below it). */
function isCurrent(section: string, path: string | undefined): boolean {
  return path !== undefined && (path === section || path.startsWith(section + "/"));
}

function Nav(props: { p: Principal; csrf?: string; path?: string }) {
  const has = (x: string) => props.p.permissions.has(x as never);
  const links: [boolean, string, string][] = [
    [has("recording.search"), "/recordings", "Recordings"],
    [has("pause.own") && props.p.agentId !== null, "/agent", "My call"],
    [has("recording.search") || has("system.manage"), "/calls", "Active calls"],
    [has("users.manage"), "/admin/users", "Users"],
    [has("users.manage"), "/admin/roles", "Roles"],
    [has("users.manage"), "/admin/org", "Org units"],
    [has("users.manage"), "/admin/agents", "Agents"],
    [has("users.manage"), "/admin/tokens", "API tokens"],
    [has("rules.view"), "/admin/rules", "Rules"],
    [has("report.view"), "/reports", "Reports"],
    [has("audit.view"), "/audit", "Audit"],
    [has("system.manage"), "/admin/system", "System"],
    [true, "/account/password", "Account"],
  ];
  return (
    <nav aria-label="Main">
      <a href="/" class="brand">selrec</a>
      {links.filter(([shown]) => shown).map(([, href, text]) => (
        <a
          key={href}
          href={href}
          aria-current={isCurrent(href.startsWith("/account/") ? "/account" : href, props.path)
            ? "page"
            : undefined}
        >
          {text}
        </a>
      ))}
      <form method="post" action="/sign-out" class="signout">
        <CsrfField token={props.csrf} />
        <span>{props.p.name}</span> <button type="submit">Sign out</button>
      </form>
    </nav>
  );
}

/** Renders a full HTML page (standards mode: the doctype first). */
export function Layout(
  props: { title: string; ctx: PageContext; children?: Child; scripts?: string[] },
) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {props.ctx.csrfToken && <meta name="csrf-token" content={props.ctx.csrfToken} />}
          <title>{props.title} · selrec</title>
          <link rel="stylesheet" href="/static/app.css" />
          {["confirm.js", ...(props.scripts ?? [])].map((s) => (
            <script key={s} src={`/static/${s}`} defer></script>
          ))}
        </head>
        <body>
          <a href="#main" class="skip-link">Skip to content</a>
          {props.ctx.principal && (
            <Nav p={props.ctx.principal} csrf={props.ctx.csrfToken} path={props.ctx.path} />
          )}
          <main id="main" tabindex={-1}>
            <h1>{props.title}</h1>
            {props.ctx.flash && <p class="notice" role="status" id="flash">{props.ctx.flash}</p>}
            <ScopeNote notes={props.ctx.scopeNotes} />
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}
