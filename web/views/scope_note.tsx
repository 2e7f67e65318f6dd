/**
 * Why a user's scope hides every recording and call (see src/auth/access.ts): the lists
 * say so instead of looking empty. Shown on /recordings and /calls.
 */
import type { AccessScope } from "../../src/auth/access.ts";
import type { Principal } from "../context.ts";

/** Sentences explaining what hides everything from `p`, empty when something may show. */
export function scopeExplanation(p: Principal | undefined, scope: AccessScope): string[] {
  if (!p || !p.permissions.has("recording.search")) return [];
  const out: string[] = [];
  if (scope.partitions && p.partitions.length === 0) {
    out.push(
      "Your user has no partitions, so no recording or call is visible to you. " +
        "Ask an administrator to give you the partitions you work in.",
    );
  }
  if (scope.hierarchy && p.orgPath === null) {
    out.push(
      p.agentId === null
        ? "Your user is in no org unit and has no agent id, so no recording or call is " +
          "visible to you. Ask an administrator to place you in an org unit."
        : "Your user is in no org unit, so you see only your own recordings and calls " +
          `(agent ${p.agentId}). Ask an administrator to place you in an org unit.`,
    );
  }
  return out;
}

/** The explanation as a status note, or nothing. */
export function ScopeNote(props: { notes?: readonly string[] }) {
  const notes = props.notes ?? [];
  if (notes.length === 0) return null;
  return (
    <div class="notice scope-note" role="status" id="scope-note">
      {notes.map((n) => <p key={n}>{n}</p>)}
    </div>
  );
}
