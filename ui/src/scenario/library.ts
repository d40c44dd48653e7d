/**
 * The documents the UI ships with: the repository's own topologies, policies and experiments,
 * bundled as text (the same files the CLI reads), plus a generated large topology.
 */
import bookinfo from '../../../topologies/bookinfo.yaml?raw';
import bookinfoNoTimeouts from '../../../topologies/bookinfo-no-timeouts.yaml?raw';
import onlineBoutique from '../../../topologies/online-boutique.yaml?raw';
import sockShop from '../../../topologies/sock-shop.yaml?raw';
import hotel from '../../../topologies/hotel-reservation.yaml?raw';
import resilient from '../../../topologies/policies/bookinfo-resilient.yaml?raw';
import faultInjection from '../../../topologies/policies/bookinfo-fault-injection.yaml?raw';
import ratingsSlow from '../../../chaos/bookinfo-ratings-slow.yaml?raw';
import reviewsKill from '../../../chaos/bookinfo-reviews-kill.yaml?raw';
import { generatedTopologyYaml } from './generate.ts';

export interface NamedText {
  id: string;
  label: string;
  file: string;
  text: string;
}

export const TOPOLOGIES: NamedText[] = [
  { id: 'bookinfo', label: 'Bookinfo', file: 'topologies/bookinfo.yaml', text: bookinfo },
  {
    id: 'bookinfo-no-timeouts',
    label: 'Bookinfo without app timeouts',
    file: 'topologies/bookinfo-no-timeouts.yaml',
    text: bookinfoNoTimeouts,
  },
  {
    id: 'online-boutique',
    label: 'Online Boutique',
    file: 'topologies/online-boutique.yaml',
    text: onlineBoutique,
  },
  { id: 'sock-shop', label: 'Sock Shop', file: 'topologies/sock-shop.yaml', text: sockShop },
  {
    id: 'hotel-reservation',
    label: 'Hotel reservation',
    file: 'topologies/hotel-reservation.yaml',
    text: hotel,
  },
  {
    id: 'generated-200',
    label: 'Generated, 200 services',
    file: 'generated-200.yaml',
    get text() {
      return generatedTopologyYaml(200);
    },
  },
];

export const POLICIES: NamedText[] = [
  {
    id: 'bookinfo-resilient',
    label: 'Bookinfo: timeout + retries + breaker on ratings',
    file: 'topologies/policies/bookinfo-resilient.yaml',
    text: resilient,
  },
  {
    id: 'bookinfo-fault-injection',
    label: 'Bookinfo: Istio fault injection',
    file: 'topologies/policies/bookinfo-fault-injection.yaml',
    text: faultInjection,
  },
];

export const EXPERIMENTS: NamedText[] = [
  {
    id: 'ratings-slow',
    label: 'ratings 3 s slow (30–60 s)',
    file: 'chaos/bookinfo-ratings-slow.yaml',
    text: ratingsSlow,
  },
  {
    id: 'reviews-kill',
    label: 'kill reviews v3',
    file: 'chaos/bookinfo-reviews-kill.yaml',
    text: reviewsKill,
  },
];

export function topologyById(id: string): NamedText | undefined {
  return TOPOLOGIES.find((t) => t.id === id);
}
