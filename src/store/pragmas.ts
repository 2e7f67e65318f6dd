/**
 * Read tuning applied to every connection (the main one and the read pool's). A search
 * at a million rows touches tens of thousands of pages: with SQLite's default 2 MB
 * cache each one is a read(2) from the OS cache. Memory-mapped reads and a 32 MB page
 * cache per connection made the supervisor searches 30-40% faster (scripts/bench_search.ts).
 * Writes still go through write(2); mmap is only for reading.
 */
export const READ_PRAGMAS = [
  "PRAGMA mmap_size = 1073741824",
  "PRAGMA cache_size = -32768",
] as const;
