/**
 * Org units by their path of names from the root (`Org/Sales/Team A`), the form imports
 * and the agent pages use. Pure over the list of units.
 */
import type { OrgUnit } from "../store/queries/org_units.ts";

/** Unit ids to name paths and name paths to ids (the lowest id wins a duplicate name). */
export class UnitNames {
  #byId = new Map<number, string>();
  #byPath = new Map<string, number>();
  #paths = new Map<number, string>();

  constructor(units: readonly OrgUnit[]) {
    const byId = new Map(units.map((u) => [u.id, u]));
    const nameOf = (u: OrgUnit): string =>
      u.path.split("/").filter((s) => s !== "").map((id) => byId.get(Number(id))?.name ?? id)
        .join("/");
    for (const u of [...units].sort((a, b) => a.id - b.id)) {
      const names = nameOf(u);
      this.#byId.set(u.id, names);
      this.#paths.set(u.id, u.path);
      if (!this.#byPath.has(names)) this.#byPath.set(names, u.id);
    }
  }

  /** `Org/Sales/Team A` for a unit id; `(no unit)` for null; `#id` for an unknown id. */
  name(id: number | null): string {
    if (id === null) return "(no unit)";
    return this.#byId.get(id) ?? `#${id}`;
  }

  /** The unit at a path of names, or undefined. */
  idOf(names: string): number | undefined {
    return this.#byPath.get(names);
  }

  /** Whether a unit id exists. */
  has(id: number): boolean {
    return this.#byId.has(id);
  }

  /** The materialized path (`/1/4/`) of a unit id. */
  pathOf(id: number): string | undefined {
    return this.#paths.get(id);
  }

  /** Records a unit made after construction. */
  add(u: OrgUnit, names: string): void {
    this.#byId.set(u.id, names);
    this.#paths.set(u.id, u.path);
    this.#byPath.set(names, u.id);
  }
}
