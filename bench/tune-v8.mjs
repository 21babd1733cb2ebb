// Preloaded by the bench (node --import) so that the measured process is tuned as bin.js tunes the program.
import {tuneV8} from '../dist/source/gc-tuning.js';

tuneV8();
