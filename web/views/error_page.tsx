/**
 * Error pages (403, 404, 409, 500 …) in the page frame: a signed-in user keeps the
 * navigation, so an error is never a dead end.
 */
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { Layout } from "./layout.tsx";
import { pageContext } from "./page.ts";

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Sign in first",
  403: "Not permitted",
  404: "Not found",
  409: "Cannot do that now",
  413: "Too large",
  429: "Too many requests",
  500: "Something went wrong",
  503: "Unavailable",
};

/** The HTML of the error page for `status` with `message`. */
export function errorPage(c: Context<AppEnv>, status: number, message: string) {
  let ctx;
  try {
    ctx = pageContext(c);
  } catch {
    ctx = {};
  }
  const title = `${TITLES[status] ?? "Error"} (${status})`;
  return (
    <Layout title={title} ctx={ctx}>
      <p class="error" role="alert">{message}</p>
      <p>
        {ctx.principal ? <a href="/">Back to your start page</a> : <a href="/sign-in">Sign in</a>}
      </p>
    </Layout>
  );
}
