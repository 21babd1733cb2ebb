/** Greedy word wrap (like Python's textwrap.fill for the texts we print): continuation lines indented by `indent`. */
export function wrapWords(text: string, width: number, indent = 0): string {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		if (line !== '' && line.length + 1 + word.length > width) {
			lines.push(line);
			line = word;
		} else {
			line = line === '' ? word : `${line} ${word}`;
		}
	}

	lines.push(line);
	return lines.join(`\n${' '.repeat(indent)}`);
}
