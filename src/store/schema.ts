/** Re-exports the table types of the selrec database. */
export type * from "./schema/calls.ts";
export type * from "./schema/recordings.ts";
export type * from "./schema/users.ts";
export type * from "./schema/audit.ts";
export type * from "./schema/storage.ts";
export type * from "./schema/database.ts";
