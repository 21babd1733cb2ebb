/**
 * The Python-regex translator and strptime against CPython itself: thousands of generated patterns and dates (a
 * seeded generator: a failure names its seed and case), one python3 process per test fed over stdin.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import test from 'node:test';
import {translatePythonRegex} from '../source/parse/python-regex.js';
import {compileStrptime, formatCdt} from '../source/parse/strptime.js';
import {seededRandom} from './seeded-random.js';

const seed = Number(process.env.DIFFERENTIAL_SEED ?? 20261204);

/** Runs `program` in python3 with one JSON case per stdin line; resolves with one JSON answer per case. */
async function inPython(program: string, cases: readonly unknown[]): Promise<unknown[]> {
	const child = spawn('python3', ['-c', program], {stdio: ['pipe', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	child.stdin.on('error', () => undefined);
	child.stdin.end(cases.map(item => JSON.stringify(item)).join('\n') + '\n');
	const code = await new Promise<number | null>(resolve => child.on('close', resolve));
	assert.equal(code, 0, stderr);
	return stdout
		.trimEnd()
		.split('\n')
		.map(line => JSON.parse(line) as unknown);
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, from: number, to: number) => from + Math.floor(random() * (to - from + 1));

// --- regular expressions ---

const atoms = [
	String.raw`\d`,
	String.raw`\w`,
	String.raw`\s`,
	String.raw`\S`,
	String.raw`\D`,
	String.raw`\W`,
	'.',
	'[a-c]',
	'[^ ]',
	'[0-9a-f]',
	String.raw`[\w.-]`,
	'a',
	'b',
	'é',
	' ',
	'-',
	String.raw`\.`,
	'/',
	String.raw`\b`,
];
const quantifiers = ['', '', '', '*', '+', '?', '*?', '+?', '??', '{2}', '{1,3}', '{0,2}?'];
const alphabet = ['a', 'b', 'c', 'x', 'é', 'Z', '_', '0', '7', '٣', '²', ' ', '\u00a0', '\t', '-', '.', '/', ':', '"', 'ß'];

/**
 * `groupQuantifiers`: those a group may get. Repeating a group whose body can match empty (`(a*)+`) is where the
 * translation still differs from CPython (the last, empty iteration sets the group in Python, not in JavaScript):
 * kept apart in a todo test until the translator handles it.
 */
function regexPattern(random: Random, groupQuantifiers: readonly string[], depth = 0): string {
	let out = '';
	const pieces = int(random, 1, 5);
	for (let i = 0; i < pieces; i++) {
		const roll = random();
		let piece: string;
		if (depth < 2 && roll < 0.15) piece = `(?P<g${depth}_${i}>${regexPattern(random, groupQuantifiers, depth + 1)})`;
		else if (depth < 2 && roll < 0.25) piece = `(${regexPattern(random, groupQuantifiers, depth + 1)})`;
		else if (depth < 2 && roll < 0.32) piece = `(?:${regexPattern(random, groupQuantifiers, depth + 1)}|${regexPattern(random, groupQuantifiers, depth + 1)})`;
		else {
			const atom = pick(random, atoms);
			out += atom === String.raw`\b` ? atom : atom + pick(random, quantifiers);
			continue;
		}

		out += piece + pick(random, groupQuantifiers);
	}

	return depth === 0 && random() < 0.1 ? `(?i)${out}` : out;
}

function text(random: Random): string {
	let out = '';
	const length = int(random, 0, 12);
	for (let i = 0; i < length; i++) out += pick(random, alphabet);
	return out;
}

const pythonMatch = `
import json, re, sys
for line in sys.stdin:
    case = json.loads(line)
    try:
        m = re.match(case['pattern'], case['text'])
    except re.error as error:
        print(json.dumps('ERR ' + str(error)))
        continue
    print(json.dumps(None if m is None else [m.group(0), *m.groups()]))
`;

/** Generated patterns and texts, compared with CPython's re.match; returns the differences and CPython's refusals. */
async function compareRegexes(
	random: Random,
	groupQuantifiers: readonly string[],
	patterns: number,
): Promise<{differences: string[]; refused: number; cases: number}> {
	const cases: Array<{pattern: string; text: string}> = [];
	for (let i = 0; i < patterns; i++) {
		const pattern = regexPattern(random, groupQuantifiers);
		for (let j = 0; j < 3; j++) cases.push({pattern, text: text(random)});
	}

	const answers = await inPython(pythonMatch, cases);
	const differences: string[] = [];
	let refused = 0;
	cases.forEach(({pattern, text}, i) => {
		if (typeof answers[i] === 'string') {
			// CPython refuses the pattern (a generator's corner): nothing to compare.
			refused++;
			return;
		}

		const {source, flags} = translatePythonRegex(pattern);
		const match = new RegExp(`^(?:${source})`, flags).exec(text);
		const ours = match === null ? null : [...match].map(group => group ?? null);
		if (JSON.stringify(ours) !== JSON.stringify(answers[i]))
			differences.push(
				`case ${i}: re.match(${JSON.stringify(pattern)}, ${JSON.stringify(text)}): CPython ${JSON.stringify(answers[i])}, ours ${JSON.stringify(ours)}`,
			);
	});
	return {differences, refused, cases: cases.length};
}

test("the Python-regex translator matches what CPython's re.match matches, group by group", async () => {
	const {differences, refused, cases} = await compareRegexes(seededRandom(seed), ['', '', '?', '??'], 1500);
	assert.deepEqual(differences.slice(0, 10), [], `seed ${seed}: ${differences.length} of ${cases} differ`);
	assert.ok(refused < cases / 10, `CPython refused ${refused} patterns`);
});

test('repeated groups that can match empty, as CPython sets them', {
	todo: 'the translator differs from CPython there (see regexPattern)',
}, async () => {
	const {differences, cases} = await compareRegexes(seededRandom(seed + 2), ['*', '+', '*?', '{1,3}'], 500);
	assert.deepEqual(differences.slice(0, 5), [], `seed ${seed + 2}: ${differences.length} of ${cases} differ`);
});

// --- strptime ---

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A format from log-like layouts, and a text for it: valid mostly, sometimes out of range or damaged. */
function dateCase(random: Random): {text: string; format: string} {
	const year = int(random, 1, 9999);
	const month = int(random, 1, 12);
	const day = int(random, 1, random() < 0.9 ? 28 : 31);
	const hour = int(random, 0, random() < 0.95 ? 23 : 24);
	const minute = int(random, 0, 59);
	const second = int(random, 0, random() < 0.95 ? 59 : 61);
	const micros = int(random, 0, 999_999);
	const hour12 = hour % 12 === 0 ? 12 : hour % 12;
	const layouts: Array<[string, string]> = [
		['%d/%b/%Y:%H:%M:%S', `${pad(day)}/${months[month - 1]}/${year}:${pad(hour)}:${pad(minute)}:${pad(second)}`],
		['%Y-%m-%d %H:%M:%S', `${pad(year, 4)}-${pad(month)}-${pad(day)} ${hour}:${minute}:${second}`],
		[
			'%Y-%m-%dT%H:%M:%S.%f',
			`${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.${String(micros).slice(0, int(random, 1, 6))}`,
		],
		['%B %d, %Y %I:%M:%S %p', `${monthNames[month - 1]} ${day}, ${year} ${hour12}:${pad(minute)}:${pad(second)} ${hour < 12 ? 'AM' : 'pm'}`],
		['%d.%m.%y %H:%M', `${pad(day)}.${pad(month)}.${pad(year % 100)} ${pad(hour)}:${pad(minute)}`],
		['%Y %j', `${year} ${int(random, 1, 366)}`],
		[
			'%a %b %d %H:%M:%S %Y',
			`${pick(random, ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])} ${months[month - 1]} ${day} ${pad(hour)}:${pad(minute)}:${pad(second)} ${year}`,
		],
		['%Y%m%d%H%M%S', `${pad(year, 4)}${pad(month)}${pad(day)}${pad(hour)}${pad(minute)}${pad(second)}`],
		[
			'%d/%b/%Y:%H:%M:%S %z',
			`${pad(day)}/${months[month - 1]}/${year}:${pad(hour)}:${pad(minute)}:${pad(second)} ${pick(random, ['+', '-'])}${pad(int(random, 0, 23))}${pad(int(random, 0, 59))}`,
		],
	];
	let [format, value] = pick(random, layouts);
	if (random() < 0.1) {
		// Damage: a character dropped, doubled or replaced.
		const at = int(random, 0, Math.max(0, value.length - 1));
		const roll = random();
		value =
			roll < 0.33
				? value.slice(0, at) + value.slice(at + 1)
				: roll < 0.66
					? value.slice(0, at) + value[at] + value.slice(at)
					: value.slice(0, at) + pick(random, ['x', '9', ' ', '/']) + value.slice(at + 1);
	}

	return {text: value, format};
}

const pythonStrptime = `
import json, sys
from datetime import datetime
for line in sys.stdin:
    case = json.loads(line)
    try:
        print(json.dumps(datetime.strptime(case['text'], case['format']).isoformat(' ')))
    except ValueError as error:
        print(json.dumps('ERR ' + str(error)))
`;

test("strptime reads dates as CPython's datetime.strptime does, errors included", async () => {
	const random = seededRandom(seed + 1);
	const cases = Array.from({length: 3000}, () => dateCase(random));
	const answers = await inPython(pythonStrptime, cases);
	const differences: string[] = [];
	cases.forEach(({text, format}, i) => {
		const result = compileStrptime(format)(text);
		const ours = typeof result === 'string' ? `ERR ${result}` : formatCdt(result);
		if (ours !== answers[i])
			differences.push(
				`case ${i}: strptime(${JSON.stringify(text)}, ${JSON.stringify(format)}): CPython ${JSON.stringify(answers[i])}, ours ${JSON.stringify(ours)}`,
			);
	});
	assert.deepEqual(differences.slice(0, 10), [], `seed ${seed + 1}: ${differences.length} of ${cases.length} differ`);
});
