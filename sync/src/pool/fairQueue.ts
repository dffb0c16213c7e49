interface Entry<T> {
  item: T;
  cost: number;
  /** Already counted in its tenant's virtual time (a retry): served again without a second charge. */
  charged: boolean;
}

interface Tenant<T> {
  items: Array<Entry<T>>;
  /** Cost served so far, on the queue's virtual clock. */
  virtualTime: number;
  /** Order in which tenants became active, to break ties first come, first served. */
  since: number;
}

/**
 * Jobs waiting, served fairly between tenants (users) by cost: start-time
 * fair queueing. Each tenant keeps its own first-in, first-out list; the
 * next job is the head of the tenant that has been served the least cost, so
 * a tenant with a long or expensive backlog takes turns with one that has a
 * single cheap job instead of going first. A tenant that was idle starts at
 * the current virtual time: waiting earns no credit to burst later, and one
 * whose jobs were just served keeps their cost until the clock passes it.
 */
export class FairQueue<T> {
  private readonly tenants = new Map<string, Tenant<T>>();
  private virtualNow = 0;
  private activations = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a job at the end of its tenant's list. */
  push(tenant: string, item: T, cost: number): void {
    this.tenantFor(tenant).items.push({ item, cost, charged: false });
    this.count += 1;
  }

  /**
   * Puts a job back at the head of its tenant's list: a retry keeps its place,
   * and its cost, charged when it was first served, is not charged again
   * (the tenant did not ask for the thread that failed under it).
   */
  unshift(tenant: string, item: T, cost: number): void {
    this.tenantFor(tenant).items.unshift({ item, cost, charged: true });
    this.count += 1;
  }

  /** Removes and returns the next job among those `eligible` accepts; undefined when none is. */
  shift(eligible: (item: T, cost: number) => boolean = () => true): T | undefined {
    let tenant: Tenant<T> | undefined;
    for (const candidate of this.tenants.values()) {
      const head = candidate.items[0];
      if (!head || !eligible(head.item, head.cost)) continue;
      const earlier = !tenant || candidate.virtualTime < tenant.virtualTime || (candidate.virtualTime === tenant.virtualTime && candidate.since < tenant.since);
      if (earlier) tenant = candidate;
    }
    if (!tenant) return undefined;
    const head = tenant.items.shift() as Entry<T>;
    this.count -= 1;
    this.virtualNow = Math.max(this.virtualNow, tenant.virtualTime);
    if (!head.charged) tenant.virtualTime += head.cost;
    // Idle tenants are kept only while they are ahead of the clock (they owe a turn).
    for (const [name, t] of this.tenants) if (t.items.length === 0 && t.virtualTime <= this.virtualNow) this.tenants.delete(name);
    return head.item;
  }

  /** Empties the queue, returning every job. */
  drain(): T[] {
    const all = [...this.tenants.values()].flatMap((t) => t.items.map((entry) => entry.item));
    this.tenants.clear();
    this.count = 0;
    return all;
  }

  private tenantFor(name: string): Tenant<T> {
    let tenant = this.tenants.get(name);
    if (tenant && tenant.items.length === 0) {
      tenant.virtualTime = Math.max(tenant.virtualTime, this.virtualNow);
      tenant.since = this.activations++;
    }
    if (!tenant) {
      tenant = { items: [], virtualTime: this.virtualNow, since: this.activations++ };
      this.tenants.set(name, tenant);
    }
    return tenant;
  }
}
