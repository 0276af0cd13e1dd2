/** What every child does first: say it is ready and wait for the parent's "go". */
export async function readyAndWait(): Promise<void> {
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    process.stdin.once('data', () => resolve());
    process.stdin.once('end', () => resolve());
  });
}
