/** Every permission the box knows; access is denied unless a role grants one. */
export const PERMISSIONS = [
  "recording.search",
  "recording.play",
  "recording.export",
  "recording.delete",
  "recording.hold",
  "audit.view",
  "audit.export",
  "report.view",
  "report.export",
  "rules.view",
  "users.manage",
  "system.manage",
  "pause.own",
] as const;
/** One of {@link PERMISSIONS}. */
export type Permission = typeof PERMISSIONS[number];

/**
 * The shipped roles; editable in the admin UI. The first migration seeds its own copy of
 * them, so a change here needs a new migration (src/store/migrations/migrations_test.ts).
 */
export const ROLE_PERMISSIONS: Record<string, { description: string; permissions: Permission[] }> =
  {
    admin: {
      description: "Administers users, rules and the system; sees all recordings in scope",
      permissions: [...PERMISSIONS].filter((p) => p !== "recording.delete" && p !== "pause.own"),
    },
    supervisor: {
      description: "Searches and plays recordings of agents in their org subtree",
      permissions: [
        "recording.search",
        "recording.play",
        "recording.export",
        "report.view",
        "rules.view",
      ],
    },
    compliance: {
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
    agent: {
      description: "Pauses and resumes their own active call; may play their own recordings",
      permissions: ["pause.own"],
    },
  };
