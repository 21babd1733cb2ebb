import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {translatePythonRegex} from '../source/parse/python-regex.js';

/** Python `re.match`: anchored at the start only. Returns [whole match, ...groups] or null. */
function pyMatch(pattern: string, text: string): Array<string | undefined> | null {
	const {source, flags} = translatePythonRegex(pattern);
	const match = new RegExp(`^(?:${source})`, flags).exec(text);
	return match === null ? null : [...match];
}

function groups(pattern: string, text: string): Record<string, string | undefined> | null {
	const {source, flags} = translatePythonRegex(pattern);
	const match = new RegExp(`^(?:${source})`, flags).exec(text);
	return match === null ? null : {...match.groups};
}

describe('translatePythonRegex: groups', () => {
	it('turns (?P<name>…) into a named group and reports names and count', () => {
		const result = translatePythonRegex(String.raw`(?P<ip>\S+) (\d+) (?:x|y) (?P<rest>.*)`);
		assert.deepEqual(result.groupNames, ['ip', 'rest']);
		assert.equal(result.groupCount, 3);
		assert.deepEqual(groups(String.raw`(?P<ip>\S+) (\d+) (?:x|y) (?P<rest>.*)`, '1.2.3.4 42 y tail end'), {
			ip: '1.2.3.4',
			rest: 'tail end',
		});
	});

	it('does not count lookarounds, comments or flag groups', () => {
		const result = translatePythonRegex('(?i)(?=a)(?!b)(?<=c)(?<!d)(?#comment)(?s:e)(f)');
		assert.equal(result.groupCount, 1);
		assert.deepEqual(result.groupNames, []);
	});

	it('turns (?P=name) into a backreference', () => {
		assert.deepEqual(pyMatch(String.raw`(?P<q>['"])(?P<v>\w+)(?P=q)`, '"abc"'), ['"abc"', '"', 'abc']);
		assert.equal(pyMatch(String.raw`(?P<q>['"])(?P<v>\w+)(?P=q)`, '"abc\''), null);
	});

	it('keeps numbered backreferences, even before a digit', () => {
		assert.deepEqual(pyMatch(String.raw`(a)\1\x30`, 'aa0'), ['aa0', 'a']);
	});

	it('sets an optional group that matched empty to "" like Python, not undefined', () => {
		assert.deepEqual(pyMatch(String.raw`(?P<x>\d*)?z`, 'z'), ['z', '']);
		assert.deepEqual(pyMatch(String.raw`(?P<x>\d*)??z`, 'z'), ['z', undefined]);
		assert.deepEqual(pyMatch(String.raw`(?:-(?P<x>\d+))?`, ''), ['', undefined]);
	});

	it('accepts the JavaScript spelling (?<name>…) too', () => {
		assert.deepEqual(translatePythonRegex('(?<n>a)').groupNames, ['n']);
	});

	it('is not anchored', () => {
		const {source, flags} = translatePythonRegex(String.raw`(?P<n>\d+)`);
		assert.ok(!source.startsWith('^'));
		assert.equal(new RegExp(source, flags).exec('abc 123')?.groups?.n, '123');
	});
});

describe('translatePythonRegex: Python str-pattern semantics', () => {
	it('\\w is Unicode letters, numbers and _ (not marks, not BOM)', () => {
		assert.deepEqual(pyMatch(String.raw`\w+`, 'Zürich_東京٣²-x'), ['Zürich_東京٣²']);
		assert.equal(pyMatch(String.raw`\w`, '\ufeff'), null);
		assert.equal(pyMatch(String.raw`\w`, '\u0301'), null); // combining accent
		assert.deepEqual(pyMatch(String.raw`[\w.-]+`, 'bücher.de-x y'), ['bücher.de-x']);
	});

	it('\\d is any decimal digit, but not other numbers', () => {
		assert.deepEqual(pyMatch(String.raw`\d+`, '12٣४'), ['12٣४']);
		assert.equal(pyMatch(String.raw`\d`, '²'), null);
		assert.deepEqual(pyMatch(String.raw`\D+`, 'ab²1'), ['ab²']);
	});

	it('\\s is str.isspace(): includes \\x1c-\\x1f, \\x85, NBSP; excludes the BOM', () => {
		for (const space of [' ', '\t', '\n', '\r', '\v', '\f', '\x1c', '\x1f', '\x85', '\u00a0', '\u2003', '\u3000', '\u2028']) {
			assert.ok(pyMatch(String.raw`a\sb`, `a${space}b`), `U+${space.codePointAt(0)!.toString(16)} is whitespace`);
			assert.equal(pyMatch(String.raw`a\Sb`, `a${space}b`), null);
		}
		assert.equal(pyMatch(String.raw`a\sb`, 'a\ufeffb'), null);
		assert.ok(pyMatch(String.raw`a\Sb`, 'a\ufeffb'));
		assert.ok(pyMatch(String.raw`a[\s]b`, 'a\x1cb'));
		assert.ok(pyMatch(String.raw`a[^\s]b`, 'a\ufeffb'));
	});

	it('\\W, \\S, \\D inside classes, negated or not', () => {
		assert.deepEqual(pyMatch(String.raw`[\W\d]+`, '1 .2é'), ['1 .2']);
		assert.deepEqual(pyMatch(String.raw`[^\Wa]+`, 'bé_1a'), ['bé_1']);
		assert.deepEqual(pyMatch(String.raw`[^\W]+`, 'ab c'), ['ab']);
		assert.deepEqual(pyMatch(String.raw`[\S ]+`, 'a b\tc'), ['a b']);
		assert.deepEqual(pyMatch(String.raw`[\Dx]+`, 'ax1'), ['ax']);
	});

	it('. matches everything but \\n (including \\r and U+2028); (?s) makes it match \\n', () => {
		assert.deepEqual(pyMatch('a.b.c', 'a\rb\u2028c'), ['a\rb\u2028c']);
		assert.equal(pyMatch('a.b', 'a\nb'), null);
		assert.deepEqual(pyMatch('(?s)a.b', 'a\nb'), ['a\nb']);
		assert.deepEqual(pyMatch('(?s:a.)b', 'a\nb'), ['a\nb']);
	});

	it('$ also matches before a final newline; \\Z only at the very end; (?m) per line', () => {
		assert.ok(pyMatch('abc$', 'abc\n'));
		assert.equal(pyMatch('abc$', 'abc\nx'), null);
		assert.equal(pyMatch(String.raw`abc\Z`, 'abc\n'), null);
		assert.ok(pyMatch(String.raw`\Aabc\Z`, 'abc'));
		assert.ok(pyMatch('(?m)a$\n^b', 'a\nb'));
		assert.equal(pyMatch('a$\n^b', 'a\nb'), null);
	});

	it('\\b and \\B use Unicode word characters', () => {
		assert.deepEqual(pyMatch(String.raw`\w+\b`, 'héllo wörld'), ['héllo']);
		assert.ok(pyMatch(String.raw`é\B`, 'éa'));
		assert.equal(pyMatch(String.raw`é\b`, 'éa'), null);
		assert.equal(pyMatch(String.raw`\B`, ''), null);
	});

	it('(?a) restricts \\w, \\d, \\s to ASCII', () => {
		assert.equal(pyMatch(String.raw`(?a)\w`, 'é'), null);
		assert.equal(pyMatch(String.raw`(?a)\d`, '٣'), null);
		assert.equal(pyMatch(String.raw`(?a)\s`, '\u00a0'), null);
		assert.ok(pyMatch(String.raw`(?a)\W`, 'é'));
		assert.ok(pyMatch(String.raw`(?a:[\W])`, 'é'));
	});

	it('(?i) becomes the i flag', () => {
		const result = translatePythonRegex('(?i)get');
		assert.equal(result.flags, 'iu');
		assert.ok(pyMatch('(?i)get', 'GeT'));
		assert.equal(translatePythonRegex('get').flags, 'u');
	});

	it('(?x) drops whitespace and comments outside classes', () => {
		const pattern = '(?x) (?P<a> \\d+ )  # the number\n \\  [ ] x';
		assert.deepEqual(pyMatch(pattern, '12  x'), ['12  x', '12']);
	});
});

describe('translatePythonRegex: escapes and literals', () => {
	it('rewrites identity escapes the u flag rejects', () => {
		assert.ok(pyMatch(String.raw`\"\ \'\:\<\>\-\_\#\%\@\,\=\!\~\&\;\é`, '" \':<>-_#%@,=!~&;é'));
		assert.ok(pyMatch(String.raw`[\-\"]+`, '-"'));
	});

	it('keeps syntax escapes and numeric escapes', () => {
		assert.ok(pyMatch(String.raw`\.\*\+\?\(\)\[\]\{\}\|\\\/\^\$`, '.*+?()[]{}|\\/^$'));
		assert.ok(pyMatch(String.raw`\x41\101\u00e9\U0001F600\0\a\t`, 'AAé😀\0\x07\t'));
		assert.ok(pyMatch(String.raw`[\x41-\x43\b]+`, 'ABC\x08'));
	});

	it('treats a brace that is not a quantifier, and lone } and ], as literals', () => {
		assert.ok(pyMatch('a{', 'a{'));
		assert.ok(pyMatch('x{}', 'x{}'));
		assert.ok(pyMatch('{a,b}', '{a,b}'));
		assert.ok(pyMatch('a}]', 'a}]'));
		assert.ok(pyMatch('[]a]+', ']a]'));
	});

	it('reads {m,n} quantifiers like Python, including {,n}', () => {
		assert.deepEqual(pyMatch('a{,2}', 'aaa'), ['aa']);
		assert.deepEqual(pyMatch('a{2,}', 'aaaa'), ['aaaa']);
		assert.deepEqual(pyMatch('a{,}', 'aaa'), ['aaa']);
		assert.deepEqual(pyMatch('a{2}?', 'aaa'), ['aa']);
		assert.deepEqual(pyMatch(String.raw`(?P<s>\b\d{3}\b)`, '200 x'), ['200', '200']);
	});

	it('allows a quantified lookaround, which Python accepts', () => {
		assert.ok(pyMatch('(?=a)*a', 'a'));
	});
});

describe('translatePythonRegex: errors', () => {
	const invalid: Array<[string, RegExp]> = [
		['(?P<a>x', /missing \), unterminated subpattern/],
		['a)', /unbalanced parenthesis/],
		['[abc', /unterminated character set/],
		['[z-a]', /bad character range z-a/],
		[String.raw`[\d-z]`, /bad character range/],
		['a**', /multiple repeat/],
		['*a', /nothing to repeat/],
		[String.raw`\b+`, /nothing to repeat/],
		['a{3,2}', /min repeat greater than max repeat/],
		[String.raw`\q`, /bad escape \\q/],
		[String.raw`\x4`, /incomplete escape/],
		[String.raw`\1(a)`, /invalid group reference 1/],
		[String.raw`(a\1)`, /cannot refer to an open group/],
		['(?P<a>x)(?P<a>y)', /redefinition of group name/],
		['(?P=nope)', /unknown group name/],
		['(?P<1a>x)', /bad character in group name/],
		['a(?i)b', /global flags not at the start/],
		['(?Q)', /unknown extension/],
		['(?L)a', /cannot use 'L' flag/],
		['(?(1)a|b)', /not supported/],
		['(?>a)', /not supported/],
		['a++', /possessive quantifiers are not supported/],
		[String.raw`\N{DIGIT ONE}`, /not supported/],
		['(?i:a)', /not supported/],
		['(?i)x(?-i:a)', /not supported/],
		['(?#unterminated', /unterminated comment/],
	];
	for (const [pattern, message] of invalid) {
		it(`rejects ${JSON.stringify(pattern)}`, () => {
			assert.throws(
				() => translatePythonRegex(pattern),
				(error: unknown) => {
					assert.ok(error instanceof Error);
					assert.match(error.message, /^invalid regular expression /);
					assert.match(error.message, message);
					return true;
				},
			);
		});
	}

	it('accepts a scoped case flag that changes nothing', () => {
		assert.ok(pyMatch('(?-i:a)', 'a'));
		assert.ok(pyMatch('(?i)(?i:a)', 'A'));
	});

	it('accepts leading global flags in any number', () => {
		assert.equal(translatePythonRegex('(?i)(?s)(?m)a.').flags, 'iu');
	});
});
