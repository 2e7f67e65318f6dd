/** The prefix-search tests' shared org: units /1/2/ (odd agents) and /1/3/ (even), agents ag1..ag60. */
import type { Store } from "../db.ts";

/** One spool location, units root, a and b, and agents ag1..ag`agents` (odd in a, even in b). */
export function seedUnitsAndAgents(store: Store, agents = 60): void {
  const raw = store.raw;
  raw.exec("INSERT INTO storage_locations (id, name, kind, path) VALUES (1,'s','spool','/tmp')");
  raw.exec(`INSERT INTO org_units (id, name, parent_id, path) VALUES
    (1,'root',NULL,'/1/'),(2,'a',1,'/1/2/'),(3,'b',1,'/1/3/')`);
  for (let a = 1; a <= agents; a++) {
    raw.prepare("INSERT INTO agents (agent_id, org_unit_id) VALUES (?, ?)")
      .run(`ag${a}`, a % 2 ? 2 : 3);
  }
}
