/** Open file descriptors of this process (Linux `/proc/self/fd`), to show that failures leak none. */
import { readdirSync, readlinkSync } from 'node:fs';

export interface FdCount {
  /** Every open descriptor. */
  total: number;
  /** Those that are sockets. */
  sockets: number;
}

export function countOpenFds(): FdCount {
  let total = 0;
  let sockets = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the descriptor readdir itself used, closed meanwhile
    }
    total++;
    if (target.startsWith('socket:')) sockets++;
  }
  return { total, sockets };
}
