/** Long text cut to a preview with a "show all" button, so a file dump in a tool result does not bury the page. */
import { h, hOn } from './dom.js';

export const PREVIEW_CHARS = 2000;

export function longText(text: string, className = 'text'): HTMLElement {
  if (text.length <= PREVIEW_CHARS) return h('div', { class: className }, text);
  const box = h('div', { class: className }, text.slice(0, PREVIEW_CHARS), '…');
  const more = hOn(
    'button',
    { type: 'button', class: 'show-all' },
    {
      click: () => {
        box.textContent = text;
        more.remove();
      },
    },
    `Show all (${(text.length - PREVIEW_CHARS).toLocaleString('en-US')} more characters)`,
  );
  return h('div', { class: 'long' }, box, more);
}

/** Any JSON value as indented text (tool inputs). */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? 'null';
  } catch {
    return String(value);
  }
}
