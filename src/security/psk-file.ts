/** One line of a psk_authentication init_file. */
export interface PskLine {
  readonly identity: string;
  readonly key: Buffer;
  /** The endpoint name / client id the identity may use, when not the identity itself. */
  readonly endpoint: string | undefined;
}

export interface PskFileProblem {
  readonly line: number;
  readonly reason: string;
}

/**
 * Parses EMQX 5's psk_authentication init_file: `identity<sep>secret` per
 * line, split at the first separator, CR/LF trimmed. Differences from EMQX,
 * all additive: blank lines are skipped; a secret written `0x...` is hex (the
 * form LwM2M clients such as Wakaama take); after a hex secret a further
 * `<sep>name` binds the identity to another endpoint name / client id.
 */
export function parsePskFile(text: string, separator: string): { entries: PskLine[]; problems: PskFileProblem[] } {
  const entries: PskLine[] = [];
  const problems: PskFileProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const at = line.indexOf(separator);
    if (at <= 0) {
      problems.push({ line: index + 1, reason: at === 0 ? 'empty identity' : `no "${separator}" separator` });
      return;
    }
    const identity = line.slice(0, at);
    const rest = line.slice(at + separator.length);
    if (/^0x/i.test(rest)) {
      const next = rest.indexOf(separator);
      const hex = next < 0 ? rest.slice(2) : rest.slice(2, next);
      const endpoint = next < 0 ? undefined : rest.slice(next + separator.length);
      if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) {
        problems.push({ line: index + 1, reason: 'a 0x secret must be an even number of hex digits' });
        return;
      }
      if (endpoint !== undefined && endpoint === '') {
        problems.push({ line: index + 1, reason: 'empty endpoint name after the secret' });
        return;
      }
      entries.push({ identity, key: Buffer.from(hex, 'hex'), endpoint });
      return;
    }
    if (rest === '') {
      problems.push({ line: index + 1, reason: 'empty secret' });
      return;
    }
    entries.push({ identity, key: Buffer.from(rest, 'utf8'), endpoint: undefined });
  });
  return { entries, problems };
}
