/**
 * The conversation, latest messages first: the page asks the API for the last slice, and for the slice before the
 * oldest shown each time the reader asks for earlier messages.
 */
import type { MessagePage, SessionView } from '../src/serve/api-types.js';
import { apiGet } from './api.js';
import { h, hOn, replace } from './dom.js';
import { plural } from './format.js';
import { collectToolNames, messageView } from './message-view.js';
import { problemPanel } from './problem.js';

export const MESSAGES_PER_SLICE = 50;

export function conversationView(id: string, latest: MessagePage): HTMLElement {
  if (latest.total === 0) return h('p', { class: 'muted' }, 'No messages yet.');
  const toolNames = new Map<string, string>();
  collectToolNames(latest.items, toolNames);
  const list = h(
    'div',
    { class: 'messages' },
    latest.items.map((m) => messageView(m, toolNames)),
  );
  const top = h('div', { class: 'earlier' });
  let start = latest.start;

  const loadEarlier = async (button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      const view = await apiGet<SessionView>('/api/session', { id, before: start, limit: MESSAGES_PER_SLICE });
      collectToolNames(view.messages.items, toolNames);
      list.prepend(...view.messages.items.map((m) => messageView(m, toolNames)));
      start = view.messages.start;
      showTop();
    } catch (error) {
      replace(top, problemPanel(error));
    }
  };
  const showTop = () => {
    if (start === 0) {
      replace(top, h('p', { class: 'muted' }, 'Start of the conversation.'));
      return;
    }
    const button: HTMLButtonElement = hOn(
      'button',
      { type: 'button', class: 'load-earlier' },
      { click: () => void loadEarlier(button) },
      `Load earlier messages (${plural(start, 'message')} before these)`,
    );
    replace(top, button);
  };
  showTop();
  return h(
    'div',
    { class: 'conversation' },
    h('p', { class: 'muted' }, `${plural(latest.total, 'message')}; showing the latest first.`),
    top,
    list,
  );
}
