import assert from "node:assert/strict";

const nice = (tid: number) => {
  const stat = Deno.readTextFileSync(`/proc/self/task/${tid}/stat`);
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
};

Deno.test("niceThisThread() lowers only the calling worker thread's priority", async () => {
  const before = nice(Deno.pid);
  const src = `import { niceThisThread } from "${new URL("./thread_priority.ts", import.meta.url)}";
    self.postMessage(niceThisThread(10));`;
  const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  try {
    const result = await new Promise<{ nice?: number; tid?: number; error?: string }>((r) => {
      worker.onmessage = (e) => r(e.data);
    });
    assert.equal(result.error, undefined, result.error);
    assert.equal(nice(result.tid!), 10);
    assert.equal(nice(Deno.pid), before, "the main thread keeps its priority");
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
});
