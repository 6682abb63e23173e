import { vi } from 'vitest';

/**
 * Captures what the process writes (Powertools writes info and debug to stdout, warn and error to stderr,
 * through its own Console) until vi.restoreAllMocks(). `text()` is everything written, `lines()` the JSON
 * log lines among it, parsed.
 */
export function captureLogs(): { text: () => string; lines: () => Record<string, any>[] } { // eslint-disable-line @typescript-eslint/no-explicit-any -- log lines are arbitrary JSON
  let out = '';
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += chunk.toString();
      return true;
    });
  }
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      out += `${args.join(' ')}\n`;
    });
  }
  return {
    text: () => out,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
