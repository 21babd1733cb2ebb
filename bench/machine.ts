/** The machine's CPU use (Linux /proc), to wait for quiet before a measurement and to tell noisy runs apart. */
import fs from 'node:fs';

/** CPU seconds used by every process of the machine so far (/proc/stat: all but idle and iowait; USER_HZ = 100). */
export function machineBusySeconds(): number {
	const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
	const [user, nice, system, , , irq, softirq, steal] = ticks;
	return (user + nice + system + irq + softirq + steal) / 100;
}

/** utime + stime of a live process, in seconds, or null once it is gone. */
export function cpuSeconds(pid: number | undefined): number | null {
	try {
		const fields = fs
			.readFileSync(`/proc/${pid}/stat`, 'utf8')
			.replace(/^.*\) /, '')
			.split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100;
	} catch {
		return null;
	}
}

/** Waits until the machine is quiet (under 10% of one core busy for half a second), at most `maxSeconds`. */
export async function settle(maxSeconds: number): Promise<void> {
	const deadline = performance.now() + maxSeconds * 1000;
	while (performance.now() < deadline) {
		const before = machineBusySeconds();
		await new Promise(resolve => setTimeout(resolve, 500));
		if (machineBusySeconds() - before < 0.05) return;
	}
}
