/**
 * The page's only way to make elements. Strings always become text nodes, never markup, and attributes are set
 * one by one from a fixed vocabulary: a session's content (untrusted) cannot turn into a tag, a script or a
 * handler. Links may only point inside the page (`#…`) and images may only be data: URLs made by `dataImageUrl`.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];

export interface Attrs {
  class?: string;
  /** Only `#…` links inside the viewer. */
  href?: string;
  title?: string;
  id?: string;
  type?: string;
  name?: string;
  value?: string;
  placeholder?: string;
  alt?: string;
  /** Only what `dataImageUrl` made. */
  src?: string;
  open?: boolean;
  disabled?: boolean;
  role?: string;
  'aria-label'?: string;
  'aria-current'?: string;
  [data: `data-${string}`]: string;
}

export type Handlers = Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) for (const c of child as readonly Child[]) append(parent, c);
  else if (typeof child === 'string' || typeof child === 'number')
    parent.appendChild(document.createTextNode(String(child)));
  else parent.appendChild(child as Node);
}

function setAttributes(element: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'href' && !String(value).startsWith('#')) throw new Error(`refused link ${String(value)}`);
    if (name === 'src' && !String(value).startsWith('data:image/')) throw new Error('refused image source');
    element.setAttribute(name, value === true ? '' : String(value));
  }
}

/** An HTML element with attributes, event handlers and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attrs);
  append(element, children);
  return element;
}

/** `h` with event handlers. */
export function hOn<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs,
  handlers: Handlers,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = h(tag, attrs, ...children);
  for (const [event, handler] of Object.entries(handlers)) element.addEventListener(event, handler as EventListener);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element; attribute values are numbers or viewer-made strings (classes), children as for `h`. */
export function s(tag: string, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}

/** Replaces what `parent` holds. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Image types shown inline. SVG is left out: it is a document that can carry script and links. */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A data: URL for a base64 image of a whitelisted type, or null when the block must not become an image. */
export function dataImageUrl(mediaType: unknown, data: unknown): string | null {
  if (typeof mediaType !== 'string' || typeof data !== 'string') return null;
  if (!IMAGE_TYPES.has(mediaType) || !BASE64.test(data)) return null;
  return `data:${mediaType};base64,${data}`;
}

/** A `table.rows` with a header row of `columns` and the given body rows. */
export function rowsTable(className: string, columns: readonly string[], rows: readonly Child[]): HTMLTableElement {
  return h(
    'table',
    { class: `rows ${className}`.trim() },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((name) => h('th', {}, name)),
      ),
    ),
    h('tbody', {}, rows),
  );
}
