/**
 * Quick actions on a MeshPolicy YAML text: add a timeout, retries or a circuit breaker to a
 * destination, shift a canary weight. They edit the YAML document (comments and order kept) and
 * write values a person would write.
 */
import { isMap, isSeq, parseDocument, type Document, YAMLMap, YAMLSeq } from 'yaml';

export const EMPTY_POLICY = `apiVersion: meshdojo/v1
kind: MeshPolicy
metadata: { name: my-policy }
spec:
  dataPlane: { profile: istio-sidecar }
  destinations: []
`;

function policyDoc(text: string): Document.Parsed {
  const doc = parseDocument(text.trim() ? text : EMPTY_POLICY);
  if (doc.errors.length) throw new Error(`the policy YAML does not parse: ${doc.errors[0].message}`);
  return doc;
}

function destination(doc: Document.Parsed, service: string): YAMLMap {
  let dests = doc.getIn(['spec', 'destinations']);
  if (!isSeq(dests)) {
    doc.setIn(['spec', 'destinations'], doc.createNode([]));
    dests = doc.getIn(['spec', 'destinations']);
  }
  const seq = dests as YAMLSeq;
  seq.flow = false;
  for (const item of seq.items) if (isMap(item) && item.get('service') === service) return item;
  const m = doc.createNode({ service }) as YAMLMap;
  seq.items.push(m);
  return m;
}

function set(text: string, service: string, key: string, value: unknown): string {
  const doc = policyDoc(text);
  const d = destination(doc, service);
  const node = doc.createNode(value);
  if (isMap(node) || isSeq(node)) node.flow = true;
  d.set(key, node);
  return doc.toString();
}

export const addTimeout = (text: string, service: string, timeout = '500ms') =>
  set(text, service, 'timeout', timeout);

export const addRetries = (text: string, service: string) =>
  set(text, service, 'retries', {
    attempts: 2,
    perTryTimeout: '200ms',
    retryOn: ['5xx', 'connect-failure', 'reset'],
  });

export const addBreaker = (text: string, service: string) =>
  set(text, service, 'circuitBreaker', { consecutiveFailures: 5, openFor: '5s', halfOpenRequests: 1 });

/** Route `percent` of the service's traffic to `canary`, the rest to `stable`. */
export function shiftWeight(
  text: string,
  service: string,
  stable: string,
  canary: string,
  percent: number,
): string {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  return set(text, service, 'routes', [{ split: { [stable]: 100 - p, [canary]: p } }]);
}
