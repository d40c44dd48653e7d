/**
 * The endpoints of one destination service, as the control plane hands them to every client
 * proxy (Kubernetes EndpointSlices, an EDS response). Each endpoint has a stable `key` (pod name,
 * `host:port`) and a **slot**: a small integer that the endpoint keeps for as long as it is a
 * member. Per-host state (host load, outlier counters, the ring-hash ring) is indexed by slot, so
 * an endpoint that joins or leaves does not disturb the state of the others. A slot is never
 * reused for another key (a removed endpoint's slot stays vacant), which makes a stale slot
 * harmless: it is simply not a member any more.
 *
 * `version` changes whenever membership or readiness changes: consumers rebuild their candidate
 * lists only then.
 */

export interface EndpointSet {
  /** Changes whenever an endpoint joins, leaves, or changes readiness. */
  readonly version: number;
  /** Slots in use so far (members and vacated ones): valid slots are 0 … slots − 1. */
  readonly slots: number;
  /** Endpoints currently members. */
  readonly members: number;
  /** The stable key of the endpoint in `slot`; undefined when the slot is vacant. */
  key(slot: number): string | undefined;
  /** The subset (version label) the endpoint belongs to. */
  subset(slot: number): string;
  /** In the load-balancing set (Kubernetes readiness). A vacant slot is never ready. */
  isReady(slot: number): boolean;
}

/** A mutable endpoint set: the one a live sidecar's discovery (or a test) keeps up to date. */
export class Endpoints implements EndpointSet {
  version = 0;
  members = 0;
  private readonly keys: (string | undefined)[] = [];
  private readonly subsets: string[] = [];
  private readonly ready: boolean[] = [];
  private readonly slotOf = new Map<string, number>();

  get slots(): number {
    return this.keys.length;
  }

  /** Add an endpoint (or update the subset/readiness of a present one); returns its slot. */
  add(key: string, subset = '', ready = true): number {
    const known = this.slotOf.get(key);
    if (known !== undefined) {
      if (this.subsets[known] !== subset || this.ready[known] !== ready) {
        this.subsets[known] = subset;
        this.ready[known] = ready;
        this.version++;
      }
      return known;
    }
    const slot = this.keys.length;
    this.keys.push(key);
    this.subsets.push(subset);
    this.ready.push(ready);
    this.slotOf.set(key, slot);
    this.members++;
    this.version++;
    return slot;
  }

  /** Remove an endpoint; false when it was not a member. */
  remove(key: string): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return false;
    this.slotOf.delete(key);
    this.keys[slot] = undefined;
    this.ready[slot] = false;
    this.members--;
    this.version++;
    return true;
  }

  setReady(key: string, ready: boolean): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined || this.ready[slot] === ready) return;
    this.ready[slot] = ready;
    this.version++;
  }

  slotFor(key: string): number | undefined {
    return this.slotOf.get(key);
  }

  key(slot: number): string | undefined {
    return this.keys[slot];
  }

  subset(slot: number): string {
    return this.subsets[slot] ?? '';
  }

  isReady(slot: number): boolean {
    return this.ready[slot] === true;
  }
}
