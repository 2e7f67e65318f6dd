/**
 * Read tuning. A search at a million rows touches tens of thousands of pages: with
 * SQLite's default 2 MB cache each one is a read(2) from the OS cache. Memory-mapped
 * reads and a 32 MB page cache per connection made the supervisor searches 30-40%
 * faster (scripts/bench_search.ts). Writes still go through write(2); mmap is only for
 * reading.
 *
 * Only the read pool's connections map the file. Every page a mapping touches stays in
 * the process's RSS (file-backed, reclaimable, but counted) until the mapping goes, and
 * the main connection touches the pages of every call it writes: under call churn its
 * 1 GB window grew RSS with the database (issue 19's soak). It keeps the bounded 32 MB
 * page cache instead.
 */
const PAGE_CACHE = "PRAGMA cache_size = -32768";

/** The read pool's connections (read_worker.ts): mapped reads and the page cache. */
export const READ_PRAGMAS = [
  "PRAGMA mmap_size = 1073741824",
  PAGE_CACHE,
] as const;

/** The main connection (db.ts): the page cache only, no mapping. */
export const MAIN_PRAGMAS = [
  "PRAGMA mmap_size = 0",
  PAGE_CACHE,
] as const;
