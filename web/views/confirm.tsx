/**
 * Destructive actions (delete, revoke, disable, hold release, MFA reset) ask first.
 * Their forms carry `data-confirm` (the question) and `data-confirm-label`; with scripts
 * on, web/static/confirm.js asks in a `<dialog>` and adds `confirm=yes` when the user
 * confirms. Without scripts the route answers a request lacking `confirm=yes` with a
 * confirmation page that re-posts the same fields plus `confirm=yes`, and a cancel link.
 * Routes check everything else first, so a refused action is refused before it is asked.
 */
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { CsrfField, Layout } from "./layout.tsx";
import { pageContext } from "./page.ts";

/** A parsed form body (`parseBody()` with or without `all`). */
export type FormBody = Record<string, string | File | (string | File)[]>;

/** What a destructive action asks. */
export interface Confirmation {
  /** The question, naming what is affected ("Revoke token desk9? …"). */
  question: string;
  /** The confirming button's label ("Revoke token"). */
  label: string;
  /** Where cancelling goes (the page the action started from). */
  cancelHref: string;
}

/** The form field a confirmed request carries. */
export const CONFIRM_FIELD = "confirm";

/** Whether the request carries `confirm=yes`. */
export function isConfirmed(body: FormBody): boolean {
  const v = body[CONFIRM_FIELD];
  return v === "yes" || (Array.isArray(v) && v.includes("yes"));
}

/** The attributes that make confirm.js ask before the form is sent. */
export function confirmAttrs(ask: Pick<Confirmation, "question" | "label">) {
  return { "data-confirm": ask.question, "data-confirm-label": ask.label };
}

function hiddenFields(body: FormBody): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, v] of Object.entries(body)) {
    if (name === "_csrf" || name === CONFIRM_FIELD) continue;
    for (const one of Array.isArray(v) ? v : [v]) {
      if (typeof one === "string") out.push([name, one]);
    }
  }
  return out;
}

/** The no-script confirmation page: the question, the same fields re-posted, cancel. */
export function confirmationPage(
  c: Context<AppEnv>,
  body: FormBody,
  ask: Confirmation,
): Response | Promise<Response> {
  const ctx = pageContext(c);
  return c.html(
    <Layout title="Please confirm" ctx={ctx}>
      <section class="confirm">
        <p id="confirm-question">{ask.question}</p>
        <form method="post" action={c.req.path} aria-describedby="confirm-question">
          <CsrfField token={ctx.csrfToken} />
          {hiddenFields(body).map(([name, value], i) => (
            <input key={String(i)} type="hidden" name={name} value={value} />
          ))}
          <input type="hidden" name={CONFIRM_FIELD} value="yes" />
          <button type="submit" class="danger">{ask.label}</button>{" "}
          <a href={ask.cancelHref}>Cancel</a>
        </form>
      </section>
    </Layout>,
  );
}
