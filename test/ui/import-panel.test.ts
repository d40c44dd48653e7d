// @vitest-environment happy-dom
/**
 * The import panel: pasted Istio manifests give the neutral policy and the report (mapped,
 * approximated, not mapped by path); a misspelt Linkerd annotation is listed as not mapped; a
 * malformed value is an error with its line; a dropped file is read like a pasted one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import ImportPanel from '../../ui/src/components/ImportPanel.vue';
import { parseDocuments } from '../../simulator/model/load.ts';
import { scenarioFromFiles } from '../helpers/load.ts';

const ISTIO = readFileSync('test/interop/fixtures/istio/bookinfo.yaml', 'utf8');
const TYPO = readFileSync('test/interop/fixtures/linkerd-typo.yaml', 'utf8');
const topology = scenarioFromFiles(['topologies/bookinfo.yaml']).topology;

describe('ImportPanel', () => {
  it('imports pasted Istio manifests, shows the report and applies the neutral MeshPolicy', async () => {
    const w = mount(ImportPanel, { props: { topology } });
    await w.get('[data-testid="import-text"]').setValue(ISTIO);
    await w.get('[data-action="import"]').trigger('click');
    const report = w.get('[data-testid="import-report"]');
    expect(report.text()).toContain('istio');
    const mapped = w.get('[data-group="mapped"]');
    expect(Number(/Mapped \((\d+)\)/.exec(mapped.text())![1])).toBeGreaterThan(20);
    expect(mapped.find('[data-path="spec.http[0].retries.perTryTimeout"]').exists()).toBe(true);
    expect(w.find('[data-testid="import-errors"]').exists()).toBe(false);
    await w.get('[data-action="apply-import"]').trigger('click');
    const [yaml, file] = w.emitted('apply')![0] as [string, string];
    expect(file).toBe('pasted.yaml');
    const [doc] = parseDocuments(yaml, 'imported.yaml');
    expect(doc.kind).toBe('MeshPolicy');
    const ratings =
      doc.kind === 'MeshPolicy' ? doc.value.destinations.find((d) => d.service === 'ratings') : undefined;
    expect(ratings?.retries?.perTryTimeout).toBe(300);
  });

  it('lists a field it cannot map by path, with the line', async () => {
    const w = mount(ImportPanel, { props: { topology: null } });
    await w.get('[data-testid="import-text"]').setValue(TYPO);
    await w.get('[data-action="import"]').trigger('click');
    const unmapped = w.get('[data-group="unmapped"]');
    const row = unmapped.findAll('li').find((li) => li.text().includes('retry.linkerd.io/limt'));
    expect(row, unmapped.text()).toBeDefined();
    expect(row!.text()).toContain('line 5');
  });

  it('a malformed value is an error naming file, line and field; nothing to apply', async () => {
    const w = mount(ImportPanel, { props: { topology } });
    const bad =
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: r }\nspec:\n  hosts: [reviews]\n  http:\n    - timeout: banana\n';
    await w.get('[data-testid="import-text"]').setValue(bad);
    await w.get('[data-action="import"]').trigger('click');
    const err = w.get('[data-testid="import-errors"] li');
    expect(err.attributes('data-line')).toBe('7');
    expect(err.text()).toMatch(/^pasted\.yaml:7:\d+ spec\.http\[0\]\.timeout: expected a duration/);
    expect(w.find('[data-action="apply-import"]').exists()).toBe(false);
  });

  it('reads a dropped file', async () => {
    const w = mount(ImportPanel, { props: { topology } });
    const file = new File([ISTIO], 'mesh.yaml', { type: 'application/yaml' });
    const drop = new Event('drop', { bubbles: true, cancelable: true }) as Event & {
      dataTransfer: unknown;
    };
    Object.defineProperty(drop, 'dataTransfer', { value: { files: [file] } });
    w.get('[data-testid="import-text"]').element.dispatchEvent(drop);
    await flushPromises();
    expect((w.get('[data-testid="import-text"]').element as HTMLTextAreaElement).value).toBe(ISTIO);
    expect(w.get('[data-testid="import-report"]').text()).toContain('istio');
    await w.get('[data-action="apply-import"]').trigger('click');
    expect((w.emitted('apply')![0] as string[])[1]).toBe('mesh.yaml');
  });
});
