/** The readable transcript of `show`, and the document comparison of `migrate`, in process. */
import { createSession } from '@agent-sessions/core';
import { describe, expect, it } from 'vitest';
import { firstDifference, sameDocument } from '../src/compare.js';
import { PREVIEW_CHARS, renderTranscript, safeText } from '../src/transcript.js';
import { makeSession } from './helpers.js';

describe('renderTranscript', () => {
  it('shows roles, text, tool calls with their names, results, tasks, usage and cost', () => {
    const text = renderTranscript(makeSession(3));
    expect(text).toContain('Session s-0003  "Session 3"');
    expect(text).toContain('[1] user');
    expect(text).toContain('[2] assistant');
    expect(text).toContain('Question 3: what is in notes-3.md?');
    expect(text).toContain('→ tool call read_file (toolu_3)');
    expect(text).toContain('input: {"path":"notes-3.md","lines":[1,20]}');
    expect(text).toContain('← tool result read_file (toolu_3)');
    expect(text).toContain('→ tool call bash (toolu_1003)');
    expect(text).toContain('[completed] Read the notes');
    expect(text).toContain('tokens: prompt 1203 · completion 300 · total 1503 · cache read 10');
    expect(text).toContain('cost: $0.0123 total');
    expect(text).toContain('claude-test (anthropic): 1 call, 1503 tokens, $0.0123');
  });

  it('flags tool errors, cuts long results unless full, and defuses terminal escapes', () => {
    const session = {
      ...createSession({ id: 'x', name: 'evil \u001b[2J name' }),
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'u1', name: 'bash', input: {} }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'u1', content: 'y'.repeat(1000), is_error: true }],
        },
      ],
    } as ReturnType<typeof createSession>;
    const short = renderTranscript(session);
    expect(short).toContain('← tool result bash (u1) [error]');
    expect(short).toContain(
      `${'y'.repeat(PREVIEW_CHARS)}… (${1000 - PREVIEW_CHARS} more characters; --full shows all)`,
    );
    expect(short).not.toContain('\u001b');
    expect(short).toContain('evil \\u001b[2J name');
    expect(renderTranscript(session, { full: true })).toContain('y'.repeat(1000));
    expect(safeText('a\tb\nc\u0007')).toBe('a\tb\nc\\u0007');
  });
});

describe('document comparison', () => {
  it('finds the first differing path', () => {
    const a = makeSession(1);
    const b = structuredClone(a);
    expect(sameDocument(a, b)).toBe(true);
    expect(firstDifference(a, b)).toBeNull();
    (b.messages[1]?.content[0] as { text: string }).text = 'changed';
    expect(sameDocument(a, b)).toBe(false);
    expect(firstDifference(a, b)).toBe('messages[1].content[0].text');
    expect(firstDifference({ m: [1] }, { m: [1, 2] })).toBe('m (length 1 vs 2)');
  });

  it('treats a __proto__ key as data', () => {
    const a = JSON.parse('{"input":{"__proto__":{"x":1}}}');
    const b = JSON.parse('{"input":{"__proto__":{"x":2}}}');
    expect(firstDifference(a, b)).toBe('input.__proto__.x');
  });
});
