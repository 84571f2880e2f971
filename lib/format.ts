// Display formatting shared by every page. Pure: no React, no Intl state beyond the locale-free
// choices made here, so tables stay stable across browsers and tests.

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;
const DASH = '—';

function isMissing(n: number | null | undefined): n is null | undefined {
  return n === null || n === undefined || !Number.isFinite(n);
}

/** 1536 -> "1.5 KiB"; binary units, at most `digits` decimals, trailing zeros trimmed. */
export function formatBytes(bytes: number | null | undefined, digits = 1): string {
  if (isMissing(bytes)) return DASH;
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? String(Math.round(value)) : trimZeros(value.toFixed(digits));
  return `${sign}${shown} ${BYTE_UNITS[unit]}`;
}

/** Throughput: 2048 -> "2 KiB/s". */
export function formatBytesPerSec(bps: number | null | undefined, digits = 1): string {
  return isMissing(bps) ? DASH : `${formatBytes(bps, digits)}/s`;
}

/** MiB figures as the VM form uses them: 2048 -> "2 GiB". */
export function formatMiB(mib: number | null | undefined): string {
  return isMissing(mib) ? DASH : formatBytes(mib * 1024 * 1024);
}

/** 12.345 -> "12.3%"; values are already percentages (0..100). */
export function formatPercent(pct: number | null | undefined, digits = 1): string {
  if (isMissing(pct)) return DASH;
  return `${trimZeros(pct.toFixed(digits))}%`;
}

/** 0..1 ratio -> "42%". */
export function formatRatio(ratio: number | null | undefined): string {
  return isMissing(ratio) ? DASH : `${Math.round(Math.min(1, Math.max(0, ratio)) * 100)}%`;
}

/** Milliseconds -> "850 ms", "42 s", "3m 05s", "2h 07m", "3d 4h". */
export function formatDuration(ms: number | null | undefined): string {
  if (isMissing(ms) || ms < 0) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad2(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad2(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

type TimeInput = string | number | Date | null | undefined;

function toMs(t: TimeInput): number | null {
  if (t === null || t === undefined) return null;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago", or "in 5 min" for the future. */
export function formatRelativeTime(t: TimeInput, now: number = Date.now()): string {
  const ms = toMs(t);
  if (ms === null) return DASH;
  const diff = now - ms;
  const abs = Math.abs(diff);
  let text: string;
  if (abs < 5_000) return 'just now';
  if (abs < 60_000) text = `${Math.floor(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)} min`;
  else if (abs < 86_400_000) text = `${Math.floor(abs / 3_600_000)} h`;
  else text = `${Math.floor(abs / 86_400_000)} d`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** Local wall-clock "HH:mm" (chart axes). */
export function formatClock(t: TimeInput, withSeconds = false): string {
  const ms = toMs(t);
  if (ms === null) return DASH;
  const d = new Date(ms);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return withSeconds ? `${hm}:${pad2(d.getSeconds())}` : hm;
}

/** Local "YYYY-MM-DD HH:mm:ss" (tables, tooltips). */
export function formatDateTime(t: TimeInput): string {
  const ms = toMs(t);
  if (ms === null) return DASH;
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(ms, true)}`;
}

/** Compact number for axes: 1234 -> "1.2k". */
export function formatCompact(n: number | null | undefined): string {
  if (isMissing(n)) return DASH;
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${trimZeros((n / 1e6).toFixed(1))}M`;
  if (abs >= 1e3) return `${trimZeros((n / 1e3).toFixed(1))}k`;
  return trimZeros(n.toFixed(abs < 10 ? 2 : 1));
}

/** "3f2a…9c1d": first and last characters of a hash. */
export function shortHash(hash: string | null | undefined, keep = 8): string {
  if (!hash) return DASH;
  return hash.length <= keep * 2 + 1 ? hash : `${hash.slice(0, keep)}…${hash.slice(-4)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
