/**
 * The destinations' endpoints as the mesh core's `EndpointSet` (mesh/endpoints.ts), one per
 * service, fed by the configuration and by `PUT /endpoints`. A slot keeps its key for as long as
 * the endpoint is a member; the address of a slot is kept beside it for the transport.
 */
import { Endpoints } from '../../mesh/endpoints.ts';
import type { EndpointRecord, EndpointTable } from '../contract.ts';

export class DestinationEndpoints {
  readonly set = new Endpoints();
  private readonly addresses: string[] = [];
  private readonly plain: boolean[] = [];

  /** Replace the membership with `records` (present keys keep their slot). */
  replace(records: readonly EndpointRecord[]): void {
    const keep = new Set<string>();
    for (const r of records) {
      const slot = this.set.add(r.key, r.version, r.ready);
      this.addresses[slot] = r.address;
      this.plain[slot] = r.plaintext === true;
      keep.add(r.key);
    }
    for (let s = 0; s < this.set.slots; s++) {
      const k = this.set.key(s);
      if (k !== undefined && !keep.has(k)) this.set.remove(k);
    }
  }

  address(slot: number): string {
    return this.addresses[slot] ?? '';
  }

  plaintext(slot: number): boolean {
    return this.plain[slot] === true;
  }

  /** Keys of the member slots (host names for the outlier detector's reasons). */
  keys(): string[] {
    const out: string[] = [];
    for (let s = 0; s < this.set.slots; s++) out.push(this.set.key(s) ?? `slot-${s}`);
    return out;
  }
}

export class EndpointDirectory {
  private readonly byService = new Map<string, DestinationEndpoints>();

  of(service: string): DestinationEndpoints {
    let d = this.byService.get(service);
    if (d === undefined) {
      d = new DestinationEndpoints();
      this.byService.set(service, d);
    }
    return d;
  }

  /** Replace the endpoints of the services named in `table` (others keep theirs). */
  apply(table: EndpointTable): void {
    for (const [service, records] of Object.entries(table)) this.of(service).replace(records);
  }

  services(): string[] {
    return [...this.byService.keys()].sort();
  }
}
