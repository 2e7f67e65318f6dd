/**
 * The search form's pick-lists, cached briefly per app: business units, languages and
 * customer types present on recordings, and the agents in the viewer's scope (cached by
 * scope, so users with the same scope share one list). Each list is a skip scan of a
 * NOCASE index (src/store/queries/search_choices.ts).
 */
import type { Db } from "../src/store/db.ts";
import type { RecordingViewer } from "../src/store/queries/recording_access.ts";
import { agentsInScope, distinctValues } from "../src/store/queries/search_choices.ts";
import type { SearchChoices } from "./views/search_form.tsx";

/** How long a list is reused. */
export const CHOICES_TTL_MS = 60_000;

/** Pick-lists with a short-lived cache. */
export class ChoiceCache {
  #now: () => number;
  #entries = new Map<string, { at: number; values: Promise<string[]> }>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #get(key: string, load: () => Promise<string[]>): Promise<string[]> {
    const hit = this.#entries.get(key);
    if (hit && this.#now() - hit.at < CHOICES_TTL_MS) return hit.values;
    if (this.#entries.size > 500) this.#entries.clear();
    const values = load();
    this.#entries.set(key, { at: this.#now(), values });
    values.catch(() => this.#entries.delete(key));
    return values;
  }

  /** The lists for one viewer. */
  async choices(db: Db, viewer: RecordingViewer | null): Promise<SearchChoices> {
    const [businessUnits, languages, customerTypes, agents] = await Promise.all([
      this.#get("bu", () => distinctValues(db, "business_unit")),
      this.#get("lang", () => distinctValues(db, "language")),
      this.#get("ctype", () => distinctValues(db, "customer_type")),
      this.#get(
        `agents:${JSON.stringify(viewer?.hierarchy ?? null)}:${viewer === null}`,
        () => agentsInScope(db, viewer),
      ),
    ]);
    return { businessUnits, languages, customerTypes, agents };
  }
}
