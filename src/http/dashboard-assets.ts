import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../config/package-root.js';

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The dashboard's files (plain HTML, CSS and JavaScript in `dashboard/`, shipped with the package), read once at startup. */
export const DASHBOARD_FILES = ['index.html', 'app.js', 'style.css'] as const;

export async function loadDashboard(): Promise<Map<string, Asset>> {
  const dir = join(packageRoot(), 'dashboard');
  const assets = new Map<string, Asset>();
  for (const name of DASHBOARD_FILES) {
    const ext = name.slice(name.lastIndexOf('.'));
    assets.set(name, { body: await readFile(join(dir, name)), type: TYPES[ext] ?? 'application/octet-stream' });
  }
  return assets;
}
