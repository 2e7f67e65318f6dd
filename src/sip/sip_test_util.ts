/** Test doubles shared by the SRS core's tests. */
import type { PortAllocator } from "./sdp_answer.ts";

/** Even ports from `first` up, never running dry; which are held, and how many were taken. */
export class TrackedPorts implements PortAllocator {
  /** Ports allocated and not released. */
  readonly held = new Set<number>();
  /** Allocations since creation. */
  allocations = 0;
  #next: number;

  constructor(first: number) {
    this.#next = first;
  }

  allocate(): number {
    this.allocations++;
    this.held.add(this.#next);
    return (this.#next += 2) - 2;
  }

  release(port: number): void {
    this.held.delete(port);
  }
}
