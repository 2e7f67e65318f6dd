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

/** A script that asks for nice -10, then -11, in a worker; prints both results as JSON. */
async function raiseScript(): Promise<string> {
  const mod = new URL("./thread_priority.ts", import.meta.url).href;
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    script,
    `const src = \`import { niceThisThread } from "${mod}";
      self.postMessage([niceThisThread(-10), niceThisThread(-11)]);\`;
    const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), {
      type: "module",
    });
    w.onmessage = (e) => { console.log(JSON.stringify(e.data)); w.terminate(); };`,
  );
  return script;
}

type Raised = { nice?: number; error?: string }[];

/** Runs the script under `wrap` (e.g. setpriv dropping CAP_SYS_NICE). */
async function runRaise(script: string, wrap: string[]): Promise<Raised> {
  const args = [...wrap, Deno.execPath(), "run", "-A", script];
  const out = await new Deno.Command(args[0], { args: args.slice(1) }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

const NO_SYS_NICE = ["setpriv", "--bounding-set=-sys_nice", "--inh-caps=-sys_nice", "--"];

Deno.test({
  name: "niceThisThread() raises priority with CAP_SYS_NICE and refuses, saying so, without",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    const script = await raiseScript();
    try {
      const [ten, eleven] = await runRaise(script, []);
      assert.equal(ten.nice, -10, ten.error);
      assert.equal(eleven.nice, -11, eleven.error);
      // Without the capability and with RLIMIT_NICE 0 (the usual default): refused.
      const [refused] = await runRaise(script, [...NO_SYS_NICE]);
      assert.equal(refused.nice, undefined);
      assert.match(refused.error ?? "", /setpriority\(\d+, -10\) failed/);
    } finally {
      await Deno.remove(script);
    }
  },
});

/** Whether this process may raise RLIMIT_NICE for a child (needs CAP_SYS_RESOURCE). */
const canRaiseRlimitNice = Deno.uid() === 0 &&
  new Deno.Command("prlimit", { args: ["--nice=30", "true"] }).outputSync().success;

/**
 * What the unit's LimitNICE=-10 relies on: a thread without CAP_SYS_NICE may go down to
 * the nice value RLIMIT_NICE allows (raw limit 20 - nice) and no further. Needs
 * CAP_SYS_RESOURCE to set the limit, which some containers (this dev VM) do not give.
 */
Deno.test({
  name: "niceThisThread() without CAP_SYS_NICE goes as far as RLIMIT_NICE allows, no further",
  ignore: !canRaiseRlimitNice,
  fn: async () => {
    const script = await raiseScript();
    try {
      const [ten, eleven] = await runRaise(script, ["prlimit", "--nice=30", "--", ...NO_SYS_NICE]);
      assert.equal(ten.nice, -10, ten.error);
      assert.match(eleven.error ?? "", /setpriority\(\d+, -11\) failed/);
    } finally {
      await Deno.remove(script);
    }
  },
});
