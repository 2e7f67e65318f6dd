import { type Kysely, sql } from "kysely";

/**
 * The built-in roles as shipped with this migration, written out so that later edits to
 * src/auth/permissions.ts never change what it seeds (a migration carries its own data).
 */
const BUILT_IN_ROLES: readonly { name: string; description: string; permissions: string[] }[] = [
  {
    name: "admin",
    description: "Administers users, rules and the system; sees all recordings in scope",
    permissions: [
      "recording.search",
      "recording.play",
      "recording.export",
      "recording.hold",
      "audit.view",
      "audit.export",
      "report.view",
      "report.export",
      "rules.view",
      "users.manage",
      "system.manage",
    ],
  },
  {
    name: "supervisor",
    description: "Searches and plays recordings of agents in their org subtree",
    permissions: [
      "recording.search",
      "recording.play",
      "recording.export",
      "report.view",
      "rules.view",
    ],
  },
  {
    name: "compliance",
    description: "Reviews, holds and deletes recordings; reads and exports the audit trail",
    permissions: [
      "recording.search",
      "recording.play",
      "recording.export",
      "recording.delete",
      "recording.hold",
      "audit.view",
      "audit.export",
      "report.view",
      "report.export",
    ],
  },
  {
    name: "agent",
    description: "Pauses and resumes their own active call; may play their own recordings",
    permissions: ["pause.own"],
  },
];

const DDL = `
CREATE TABLE calls (
  id TEXT PRIMARY KEY, call_key TEXT NOT NULL, sip_call_id TEXT, siprec_session_id TEXT, ucid TEXT,
  source TEXT NOT NULL CHECK (source IN ('siprec','fork','api')),
  direction TEXT, ani TEXT, dnis TEXT, dn TEXT, agent_id TEXT, queue TEXT, business_unit TEXT,
  customer_type TEXT, language TEXT, customer_id TEXT,
  started_at TEXT NOT NULL, ended_at TEXT, end_reason TEXT, recorded INTEGER
);
CREATE INDEX calls_key ON calls(call_key);
CREATE INDEX calls_started ON calls(started_at);

CREATE TABLE rule_decisions (
  id INTEGER PRIMARY KEY, call_id TEXT REFERENCES calls(id), call_key TEXT NOT NULL,
  evaluated_at TEXT NOT NULL, origin TEXT NOT NULL, record INTEGER NOT NULL, rule_id TEXT,
  mode TEXT, partitions TEXT NOT NULL DEFAULT '', retention TEXT, trace TEXT NOT NULL,
  ruleset_version TEXT NOT NULL
);
CREATE INDEX rule_decisions_call ON rule_decisions(call_id);
CREATE INDEX rule_decisions_time ON rule_decisions(evaluated_at, rule_id);

CREATE TABLE quota_counters (scope TEXT PRIMARY KEY, count INTEGER NOT NULL, updated_at TEXT NOT NULL);

CREATE TABLE storage_locations (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL CHECK (kind IN ('spool','archive')),
  path TEXT NOT NULL, mount_type TEXT, mount_source TEXT, volume_id TEXT,
  healthy INTEGER NOT NULL DEFAULT 1, last_check_at TEXT, last_error TEXT
);

CREATE TABLE recordings (
  id TEXT PRIMARY KEY, call_id TEXT NOT NULL REFERENCES calls(id),
  state TEXT NOT NULL CHECK (state IN ('recording','complete','interrupted','missing','deleted','purged')),
  format TEXT NOT NULL CHECK (format IN ('opus','wav')),
  started_at TEXT NOT NULL, ended_at TEXT, duration_ms INTEGER, size_bytes INTEGER, sha256 TEXT,
  path TEXT NOT NULL, storage_location_id INTEGER NOT NULL REFERENCES storage_locations(id),
  archived_at TEXT, retention_class TEXT, expires_at TEXT, legal_hold INTEGER NOT NULL DEFAULT 0,
  mode TEXT, rule_id TEXT, partitions TEXT NOT NULL DEFAULT '',
  agent_id TEXT, customer_id TEXT, business_unit TEXT, customer_type TEXT, language TEXT,
  ani TEXT, dnis TEXT, direction TEXT, interaction_type TEXT,
  allow_pause INTEGER NOT NULL DEFAULT 1,
  flag_interrupted INTEGER NOT NULL DEFAULT 0, flag_no_media INTEGER NOT NULL DEFAULT 0,
  flag_one_way INTEGER NOT NULL DEFAULT 0, flag_paused INTEGER NOT NULL DEFAULT 0,
  flag_gaps INTEGER NOT NULL DEFAULT 0,
  deleted_at TEXT, delete_reason TEXT, created_at TEXT NOT NULL
);
CREATE INDEX recordings_started ON recordings(started_at DESC, id DESC);
CREATE INDEX recordings_agent ON recordings(agent_id, started_at DESC, id DESC);
CREATE INDEX recordings_customer ON recordings(customer_id, started_at DESC, id DESC);
CREATE INDEX recordings_bu ON recordings(business_unit, started_at DESC, id DESC);
CREATE INDEX recordings_ani ON recordings(ani, started_at DESC, id DESC);
CREATE INDEX recordings_dnis ON recordings(dnis, started_at DESC, id DESC);
CREATE INDEX recordings_call ON recordings(call_id);
CREATE INDEX recordings_state ON recordings(state, started_at);

CREATE TABLE recording_partitions (
  recording_id TEXT NOT NULL REFERENCES recordings(id), partition TEXT NOT NULL,
  PRIMARY KEY (recording_id, partition)
) WITHOUT ROWID;
CREATE INDEX recording_partitions_p ON recording_partitions(partition, recording_id);

CREATE TABLE participants (
  id INTEGER PRIMARY KEY, recording_id TEXT NOT NULL REFERENCES recordings(id),
  participant_key TEXT NOT NULL, aor TEXT, name TEXT,
  role TEXT NOT NULL CHECK (role IN ('customer','agent','unknown')), channel INTEGER,
  joined_ms INTEGER NOT NULL DEFAULT 0, left_ms INTEGER
);
CREATE INDEX participants_rec ON participants(recording_id);

CREATE TABLE streams (
  id INTEGER PRIMARY KEY, recording_id TEXT NOT NULL REFERENCES recordings(id),
  label TEXT NOT NULL, codec TEXT NOT NULL, payload_type INTEGER, clock_rate INTEGER, port INTEGER,
  channel INTEGER, participant_key TEXT, stats TEXT NOT NULL DEFAULT '{}',
  first_packet_at TEXT, last_packet_at TEXT
);
CREATE INDEX streams_rec ON streams(recording_id);

CREATE TABLE recording_metadata (
  recording_id TEXT NOT NULL REFERENCES recordings(id), key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (recording_id, key, value)
) WITHOUT ROWID;
CREATE INDEX recording_metadata_kv ON recording_metadata(key, value, recording_id);

CREATE TABLE pauses (
  id INTEGER PRIMARY KEY, recording_id TEXT NOT NULL REFERENCES recordings(id),
  start_ms INTEGER NOT NULL, end_ms INTEGER,
  source TEXT NOT NULL CHECK (source IN ('src','agent','api','auto')),
  reason_code TEXT, user_id INTEGER
);
CREATE INDEX pauses_rec ON pauses(recording_id);

CREATE TABLE gaps (
  id INTEGER PRIMARY KEY, recording_id TEXT NOT NULL REFERENCES recordings(id),
  channel INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL
);
CREATE INDEX gaps_rec ON gaps(recording_id);

CREATE TABLE org_units (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, parent_id INTEGER REFERENCES org_units(id),
  path TEXT NOT NULL UNIQUE
);

CREATE TABLE agents (
  agent_id TEXT PRIMARY KEY, name TEXT, org_unit_id INTEGER REFERENCES org_units(id)
);

CREATE TABLE roles (name TEXT PRIMARY KEY, description TEXT NOT NULL, built_in INTEGER NOT NULL DEFAULT 0);
CREATE TABLE role_permissions (
  role TEXT NOT NULL REFERENCES roles(name) ON DELETE CASCADE, permission TEXT NOT NULL,
  PRIMARY KEY (role, permission)
) WITHOUT ROWID;

CREATE TABLE users (
  id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE COLLATE NOCASE, display_name TEXT,
  password_hash TEXT NOT NULL, role TEXT NOT NULL REFERENCES roles(name),
  org_unit_id INTEGER REFERENCES org_units(id), agent_id TEXT,
  disabled INTEGER NOT NULL DEFAULT 0, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TEXT,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE user_partitions (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, partition TEXT NOT NULL,
  PRIMARY KEY (user_id, partition)
) WITHOUT ROWID;

CREATE TABLE sessions (
  id TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL, created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, ip TEXT, user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, token_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL, user_id INTEGER REFERENCES users(id), agent_id TEXT,
  created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT
);

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY, ts TEXT NOT NULL,
  actor_type TEXT NOT NULL CHECK (actor_type IN ('user','token','system','cli')),
  actor_id TEXT, actor_name TEXT, action TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok','denied','failed')),
  target_type TEXT, target_id TEXT, recording_id TEXT, customer_id TEXT, interaction_type TEXT,
  reason_code TEXT, reason_text TEXT, ip TEXT, details TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_ts ON audit_events(ts);
CREATE INDEX audit_actor ON audit_events(actor_name, ts);
CREATE INDEX audit_action ON audit_events(action, ts);
CREATE INDEX audit_recording ON audit_events(recording_id, ts);
CREATE INDEX audit_customer ON audit_events(customer_id, ts);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END;

CREATE TABLE archive_jobs (
  recording_id TEXT NOT NULL REFERENCES recordings(id), target_id INTEGER NOT NULL REFERENCES storage_locations(id),
  step TEXT NOT NULL, temp_path TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
  updated_at TEXT NOT NULL, PRIMARY KEY (recording_id, target_id)
) WITHOUT ROWID;

CREATE TABLE alarms (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL,
  raised_at TEXT NOT NULL, cleared_at TEXT
);
CREATE INDEX alarms_open ON alarms(kind, cleared_at);

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

/** Creates every table of the product, seeds the shipped roles and their permissions. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const stmt of DDL.split(/;\s*\n(?=CREATE|$)/)) {
    const text = stmt.trim();
    if (text) await sql.raw(text.endsWith("END") ? text + ";" : text).execute(db);
  }
  for (const { name, description, permissions } of BUILT_IN_ROLES) {
    await sql`INSERT INTO roles (name, description, built_in) VALUES (${name}, ${description}, 1)`
      .execute(db);
    for (const p of permissions) {
      await sql`INSERT INTO role_permissions (role, permission) VALUES (${name}, ${p})`.execute(db);
    }
  }
}
