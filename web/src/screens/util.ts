export function fmtTime(s: string | null | undefined): string {
  if (!s) return '—';
  const d = new Date(s);
  if (isNaN(d.getTime())) return s;
  return d.toISOString().replace('T', ' ').slice(0, 16) + 'Z';
}
