/**
 * Message-level rules of issue 16. MessageSchema (zod) holds them; the codec's message fast path (fast-message.ts)
 * must honour them too, since it accepts canonical-looking messages without zod. The `through the codec` cases fail
 * until the fast path enforces the same rules.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeSession,
  MessageSchema,
  parseMessages,
  parseSession,
  SessionCorruptError,
  SessionValidationError,
} from '../src/adapter.js';

const basic = () =>
  JSON.parse(readFileSync(new URL('../fixtures/a3s/basic.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const toolResult = (extra: Record<string, unknown>) => ({
  role: 'user',
  content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok', is_error: false, ...extra }],
});

const badMessages: [string, unknown, string][] = [
  ['trust outside the three values', toolResult({ trust: 'bogus' }), 'content[0].trust'],
  ['trust of the wrong type', toolResult({ trust: 1 }), 'content[0].trust'],
  ['redaction_reviewed not a boolean', toolResult({ redaction_reviewed: 'yes' }), 'content[0].redaction_reviewed'],
  ['a lone surrogate in text', { role: 'user', content: [{ type: 'text', text: 'a\ud800' }] }, 'content[0].text'],
  ['a lone surrogate in role', { role: '\udfff', content: [] }, 'role'],
  [
    'a lone surrogate in reasoning_content',
    { role: 'assistant', content: [], reasoning_content: 'x\ud801' },
    'reasoning_content',
  ],
  [
    'a lone surrogate in tool_use.input',
    { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'b', input: { cmd: ['ok', '\ud800'] } }] },
    'content[0].input.cmd[1]',
  ],
  [
    'a lone surrogate in a tool_use.input key',
    { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'b', input: { '\ud800': 1 } }] },
    'content[0].input.\ud800',
  ],
  ['a lone surrogate in tool_result content', toolResult({ content: 'r\udc00' }), 'content[0].content'],
  [
    'a lone surrogate in an unknown message key',
    { role: 'user', content: [], transcript_text: '\ud800' },
    'transcript_text',
  ],
];

function pathOf(error: unknown): string {
  expect(error).toBeInstanceOf(SessionValidationError);
  return (error as SessionValidationError).path;
}

describe('MessageSchema (zod) holds the message rules', () => {
  for (const [what, message, path] of badMessages)
    it(`refuses ${what}`, () => {
      const result = MessageSchema.safeParse(message);
      expect(result.success).toBe(false);
      const issue = result.error?.issues[0];
      expect(issue?.path.map(String).join('.')).toBe(path.replace(/\[(\d+)\]/g, '.$1'));
    });

  it('keeps trust and redaction_reviewed as read', () => {
    for (const trust of ['trusted', 'workspace_data', 'external'])
      expect(MessageSchema.parse(toolResult({ trust, redaction_reviewed: true }))).toEqual(
        toolResult({ trust, redaction_reviewed: true }),
      );
  });
});

describe('through the codec (needs the fast path to enforce the same rules)', () => {
  for (const [what, message, path] of badMessages) {
    it(`save refuses ${what} with the field path`, () => {
      const doc = basic();
      doc.messages = [message];
      let error: unknown;
      try {
        parseSession(doc);
      } catch (e) {
        error = e;
      }
      expect(pathOf(error)).toBe(`messages[0].${path}`);
    });

    it(`appendMessages refuses ${what}`, () => {
      expect(() => parseMessages([message], 's')).toThrow(SessionValidationError);
    });

    it(`load reports ${what} as SessionCorruptError naming the record`, () => {
      const doc = basic();
      doc.messages = [message];
      expect(() => decodeSession(JSON.stringify(doc), { record: '/sessions/m.json' })).toThrow(SessionCorruptError);
    });
  }
});
