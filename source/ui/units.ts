/** Numbers for people: sizes, counts, durations, rates. */

export function formatBytes(bytes: number | null | undefined): string {
	if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '?';
	if (bytes < 1000) return `${bytes} B`;
	const units = ['kB', 'MB', 'GB', 'TB'];
	let value = bytes / 1000;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}

	return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatCount(n: number): string {
	return Math.round(n).toLocaleString('en-US');
}

/** 0:42, 12:03, 1:02:03. */
export function formatDuration(seconds: number | null | undefined): string {
	if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--:--';
	const s = Math.round(seconds);
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const rest = String(s % 60).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** 4.2, 812, 9.2k, 18.2k, 1.2M: rates in tight columns, one style from a thousand up. */
export function formatRate(perSecond: number): string {
	if (!Number.isFinite(perSecond) || perSecond <= 0) return '0';
	if (perSecond < 10) return perSecond.toFixed(1);
	if (perSecond < 999.5) return String(Math.round(perSecond));
	if (perSecond < 1_000_000) return `${(perSecond / 1000).toFixed(1)}k`;
	return `${(perSecond / 1_000_000).toFixed(1)}M`;
}

export function formatPercent(part: number, whole: number): string {
	if (whole <= 0) return '0%';
	const share = (part / whole) * 100;
	return share > 0 && share < 0.1 ? '<0.1%' : `${share < 10 ? share.toFixed(1) : Math.round(share)}%`;
}

/** 2024-05-01 10:00 in local time: file dates in the browser. */
export function formatDate(date: Date): string {
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Cut to `width` characters with an ellipsis; the start kept, or the end with `keepEnd` (paths). */
export function truncate(text: string, width: number, keepEnd = false): string {
	const chars = [...text];
	if (chars.length <= width) return text;
	if (width <= 1) return '…'.slice(0, width);
	return keepEnd ? '…' + chars.slice(chars.length - width + 1).join('') : chars.slice(0, width - 1).join('') + '…';
}

/** Control characters would move the cursor: a log line is shown, not interpreted. */
export function printable(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '�');
}
