import { type Kysely, sql } from "kysely";

/**
 * A rule decision's partitions live in `decision_partitions` rows only: the comma string
 * in `rule_decisions.partitions` (since 0001) is filled into rows, split on `,` and
 * trimmed as the decision path joined it, and dropped. The primary key (decision_id,
 * partition) is the reports' scope probe: "does this decision carry one of the reader's
 * partitions". No index, trigger or view refers to the column (SQLite ≥ 3.35 DROP COLUMN
 * refuses otherwise).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE decision_partitions (
    decision_id INTEGER NOT NULL REFERENCES rule_decisions(id),
    partition TEXT NOT NULL,
    PRIMARY KEY (decision_id, partition)
  ) WITHOUT ROWID`.execute(db);
  await sql`INSERT OR IGNORE INTO decision_partitions (decision_id, partition)
    WITH RECURSIVE split(decision_id, part, rest) AS (
      SELECT id, '', partitions || ',' FROM rule_decisions WHERE partitions != ''
      UNION ALL
      SELECT decision_id, trim(substr(rest, 1, instr(rest, ',') - 1)),
        substr(rest, instr(rest, ',') + 1)
      FROM split WHERE rest != ''
    )
    SELECT decision_id, part FROM split WHERE part != ''`.execute(db);
  await sql`ALTER TABLE rule_decisions DROP COLUMN partitions`.execute(db);
}
