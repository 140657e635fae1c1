/**
 * Terminal output of the command-line tools: on a terminal, a status line
 * (counts, rate, progress bar) redrawn on stderr; when stderr is piped,
 * plain lines only. Results (received messages, answers) go to stdout.
 */

export interface Progress {
  /** Adds to the done count and redraws (at most every 100 ms on a terminal). */
  tick(n?: number): void;
  /** Extra text after the counts, e.g. "3 failed". */
  note(text: string): void;
  /** Final line: on a terminal replaces the status line; piped, printed once. */
  finish(summary?: string): void;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

export function isTerminal(stream: NodeJS.WriteStream = process.stderr): boolean {
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

export function formatRate(count: number, ms: number): string {
  if (ms <= 0) return '-';
  const perSecond = (count * 1000) / ms;
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/** `total` undefined = no bar, just a count. `unit`: "messages", "devices". */
export function createProgress(label: string, unit: string, total: number | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = isTerminal(stream);
  const started = Date.now();
  let done = 0;
  let extra = '';
  let lastDraw = 0;
  let drawn = false;
  const line = (): string => {
    const elapsed = Date.now() - started;
    const rate = `${formatRate(done, elapsed)} ${unit}/s`;
    if (total === undefined || total <= 0) return `${label}: ${done} ${unit}, ${rate}${extra}`;
    const filled = Math.round((Math.min(done, total) / total) * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    return `${label} ${bar} ${done}/${total} ${unit}, ${rate}${extra}`;
  };
  const draw = (force: boolean): void => {
    if (!tty) return;
    const now = Date.now();
    if (!force && now - lastDraw < REDRAW_MS) return;
    lastDraw = now;
    const columns = stream.columns ?? 80;
    stream.write(`\r\x1b[2K${line().slice(0, columns - 1)}`);
    drawn = true;
  };
  return {
    tick(n = 1) {
      done += n;
      draw(total !== undefined && done >= total);
    },
    note(text) {
      extra = text === '' ? '' : `, ${text}`;
      draw(false);
    },
    finish(summary) {
      const text = summary ?? line();
      if (tty) stream.write(`${drawn ? '\r\x1b[2K' : ''}${text}\n`);
      else stream.write(`${text}\n`);
    },
  };
}
