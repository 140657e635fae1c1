/** `host:port` (or `[v6]:port`) to parts; throws on anything else. */
export function splitHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port < 1 || port > 65535) throw new Error(`${what}: expected host:port, got "${text}"`);
  return { host: m[1], port };
}
