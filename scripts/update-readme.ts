/** `npm run readme`: regenerate the readme's options section from the option table. */
import fs from 'node:fs';
import {withOptionsSection} from '../source/options/markdown.js';

const file = new URL('../readme.md', import.meta.url);
fs.writeFileSync(file, withOptionsSection(fs.readFileSync(file, 'utf8')));
console.log('readme.md: options section updated');
