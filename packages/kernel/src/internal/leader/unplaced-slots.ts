import type { Job } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';

/** How often a slot whose tags matched no member is placed again while the cluster settles. */
export const PLACEMENT_RETRY_MS = 250;

/**
 * Slots whose tags matched no member while the cluster settles (a new leader's agents are reconnecting
 * to it): each job's latest such slot waits and is placed again every {@link PLACEMENT_RETRY_MS}; an
 * older one of the same job is superseded (it counts as missed: the catch-up rule runs the latest).
 */
export class UnplacedSlots<S extends { readonly job: Job }> {
  readonly #clock: Clock;
  readonly #place: (slot: S) => void;
  readonly #superseded: (slot: S) => void;
  #slots = new Map<string, S>();
  #timer: { cancel(): void } | undefined;

  /** `place` is called with each waiting slot at every retry; `superseded` with one a newer slot replaced. */
  constructor(clock: Clock, place: (slot: S) => void, superseded: (slot: S) => void) {
    this.#clock = clock;
    this.#place = place;
    this.#superseded = superseded;
  }

  /** Keeps `slot` for the next retry, superseding the job's older one. */
  add(slot: S): void {
    const older = this.#slots.get(slot.job.name);
    if (older) this.#superseded(older);
    this.#slots.set(slot.job.name, slot);
    this.#timer ??= this.#clock.setTimeout(() => this.#retry(), PLACEMENT_RETRY_MS);
  }

  /** Takes every waiting slot out (the term stops) and stops retrying. */
  take(): S[] {
    this.#timer?.cancel();
    this.#timer = undefined;
    const slots = [...this.#slots.values()];
    this.#slots = new Map();
    return slots;
  }

  #retry(): void {
    this.#timer = undefined;
    const slots = [...this.#slots.values()];
    this.#slots = new Map();
    for (const slot of slots) this.#place(slot);
  }
}
