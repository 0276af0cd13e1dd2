/** Prints a saved conversation as the demo's last word: who said what, and which tools ran with what result. */
import type { Message, SessionData } from '@agent-sessions/core';

function describe(block: Message['content'][number]): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'tool_use':
      return `[tool call ${block.name} ${JSON.stringify(block.input)}]`;
    case 'tool_result':
      return `[tool result: ${typeof block.content === 'string' ? block.content : JSON.stringify(block.content)}]`;
    default:
      return `[${block.type}]`;
  }
}

export function printConversation(session: SessionData, log: (line: string) => void = console.log): void {
  log(`\nthe saved conversation "${session.config.name}" (${session.messages.length} messages):`);
  for (const message of session.messages)
    for (const block of message.content) log(`  ${message.role.padEnd(9)} ${describe(block)}`);
}
