/**
 * One message of the conversation: its role, text, images, tool calls and results (collapsible), and reasoning
 * (collapsed). Everything in a message is untrusted and goes through `h`, which only ever makes text nodes of it.
 */
import type { IndexedMessage } from '../src/serve/api-types.js';
import { dataImageUrl, h } from './dom.js';
import { jsonText, longText } from './text-view.js';

type Block = IndexedMessage['content'][number];
type ImageSource = { media_type?: unknown; data?: unknown };

const ROLE_CLASSES = new Set(['user', 'assistant', 'system', 'tool']);

function image(source: ImageSource | undefined): HTMLElement {
  const url = dataImageUrl(source?.media_type, source?.data);
  const type = String(source?.media_type ?? 'unknown');
  if (url === null)
    return h(
      'p',
      { class: 'muted image-refused' },
      `[image of type "${type}" not shown: only PNG, JPEG, GIF and WebP are]`,
    );
  const kb = Math.round((String(source?.data).length * 3) / 4 / 1024);
  return h('img', { class: 'image', src: url, alt: `image (${type}, ${kb} KB)` });
}

function toolResultBody(content: unknown): HTMLElement[] {
  if (typeof content === 'string') return [longText(content, 'text mono')];
  if (!Array.isArray(content)) return [longText(jsonText(content), 'text mono')];
  return content.map((part: { type?: string; text?: unknown; source?: ImageSource }) =>
    part.type === 'image' ? image(part.source) : longText(String(part.text ?? ''), 'text mono'),
  );
}

function block(b: Block, toolNames: ReadonlyMap<string, string>): HTMLElement {
  switch (b.type) {
    case 'text':
      return longText(b.text);
    case 'image':
      return image(b.source);
    case 'tool_use':
      return h(
        'details',
        { class: 'tool-use' },
        h('summary', {}, 'Tool call ', h('code', {}, b.name), h('span', { class: 'muted' }, ` ${b.id}`)),
        longText(jsonText(b.input), 'text mono'),
      );
    case 'tool_result': {
      const name = toolNames.get(b.tool_use_id);
      const failed = b.is_error === true;
      return h(
        'details',
        { class: failed ? 'tool-result failed' : 'tool-result' },
        h(
          'summary',
          {},
          failed ? 'Tool error' : 'Tool result',
          name === undefined ? null : [' ', h('code', {}, name)],
          h('span', { class: 'muted' }, ` ${b.tool_use_id}`),
        ),
        toolResultBody(b.content),
      );
    }
    default:
      return h('p', { class: 'muted' }, `[${String((b as { type?: unknown }).type)} block]`);
  }
}

export function messageView(message: IndexedMessage, toolNames: ReadonlyMap<string, string>): HTMLElement {
  const roleClass = ROLE_CLASSES.has(message.role) ? message.role : 'other';
  return h(
    'article',
    { class: `message role-${roleClass}`, 'data-index': String(message.index) },
    h(
      'header',
      {},
      h('span', { class: 'role' }, message.role),
      h('span', { class: 'muted' }, ` #${message.index + 1}`),
    ),
    message.reasoning_content
      ? h(
          'details',
          { class: 'reasoning' },
          h('summary', {}, `Thinking (${message.reasoning_content.length.toLocaleString('en-US')} characters)`),
          longText(message.reasoning_content),
        )
      : null,
    message.content.map((b) => block(b, toolNames)),
  );
}

/** Tool names by call id, so a result can say which tool it answers. */
export function collectToolNames(messages: readonly IndexedMessage[], into: Map<string, string>): void {
  for (const m of messages) for (const b of m.content) if (b.type === 'tool_use') into.set(b.id, b.name);
}
