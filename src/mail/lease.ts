import { commitDeliveryWrites, renewLease } from '../db/deliveries.ts';
import type { Delivery } from '../db/schema.ts';
import type { Deps } from '../deps.ts';

/**
 * Keeps a claimed chunk's lease alive while it is being sent: a big chunk queued on a few
 * pooled connections may outlast DELIVERY_LEASE, and another worker must not take over rows
 * that are still on their way. Renewals and the final record never overlap (`stop` waits for
 * the last renewal), so the record's lease guard sees the current value.
 */
export class LeaseKeeper {
  current: number;
  #renewing: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'commit' | 'now' | 'log' | 'config'>,
    claimed: Delivery[],
  ) {
    this.current = claimed[0]!.leaseUntil!;
    const ids = claimed.map((d) => d.id);
    this.#timer = setInterval(() => {
      this.#renewing = this.#renewing
        .then(() => this.#renew(ids))
        .catch((error: unknown) => deps.log.error('lease not renewed', { deliveries: ids.length, first: ids[0], error: String(error) }));
    }, deps.config.lease / 3);
  }

  async #renew(ids: string[]): Promise<void> {
    const next = this.deps.now() + this.deps.config.lease;
    await commitDeliveryWrites(this.deps.commit, renewLease(this.deps.db, ids, this.current, next));
    this.current = next;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#renewing;
  }
}
