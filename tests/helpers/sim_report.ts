/** Checks on a `runSimulation()` report that say which calls went wrong, and how. */
import assert from "node:assert/strict";
import type { SimulationReport } from "../../src/sim/simulate.ts";

/**
 * Asserts that `count` calls were answered; otherwise fails naming every call that was not
 * (its final status, provisionals, BYE status and error) with the box's log lines about
 * those calls, and its warnings and errors, when its output is given.
 */
export function assertAnswered(report: SimulationReport, count: number, boxOutput = ""): void {
  if (report.totals.answered === count) return;
  const wrong = report.calls.filter((c) => c.outcome !== "answered").map((c) => ({
    index: c.index,
    callId: c.callId,
    outcome: c.outcome,
    status: c.status,
    provisional: c.provisional,
    bye: c.bye,
    error: c.error,
  }));
  const logged = boxOutput.split("\n").filter((line) =>
    wrong.some((c) => line.includes(c.callId)) || /"level":"(warn|error)"/.test(line)
  ).slice(-40);
  assert.equal(
    report.totals.answered,
    count,
    `${report.totals.answered} of ${report.calls.length} calls answered, ${count} expected; ` +
      `not answered: ${JSON.stringify(wrong)}` +
      (logged.length > 0 ? `\nthe box logged:\n${logged.join("\n")}` : ""),
  );
}
