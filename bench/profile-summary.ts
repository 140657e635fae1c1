import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Prints where a V8 CPU profile (`--cpu-prof`, e.g. from `npm run bench -- <scenario> --cpu-prof`)
 * spent its time: self time per function, heaviest first.
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile [top=25]
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function isProfile(v: unknown): v is CpuProfile {
  const p = v as Partial<CpuProfile> | null;
  return !!p && Array.isArray(p.nodes) && Array.isArray(p.samples) && Array.isArray(p.timeDeltas);
}

export function summariseProfile(profile: CpuProfile, top: number): string {
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    totalUs += dt;
    const n = byId.get(id);
    if (!n) return;
    const f = n.callFrame;
    const where = f.url ? `${path.relative(process.cwd(), f.url.replace(/^file:\/\//, ''))}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  });
  const rows = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`total ${(totalUs / 1e6).toFixed(2)} s sampled`, '  self ms    self %  function'];
  for (const [key, us] of rows) {
    lines.push(`${(us / 1000).toFixed(0).padStart(8)}  ${((100 * us) / Math.max(1, totalUs)).toFixed(1).padStart(7)}%  ${key}`);
  }
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isProfile(parsed)) {
    process.stderr.write(`${file}: not a V8 CPU profile\n`);
    process.exit(2);
  }
  process.stdout.write(summariseProfile(parsed, Number(process.argv[3] ?? 25)) + '\n');
}
