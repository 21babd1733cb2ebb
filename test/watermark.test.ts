/**
 * The watermark keeps the text of the line before each pending hit (its checksum makes the checkpoint). These texts
 * outgrow the first buffer and are compacted as hits are acknowledged: the position must still give the right text.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {InputWatermark} from '../source/record/watermark.js';

test('the text of the line before the first pending hit survives growth and compaction', () => {
	const watermark = new InputWatermark();
	const text = (i: number) => `line ${i} ${'x'.repeat(300 + (i % 17))} é`;
	const bytes = (i: number) => Buffer.from(text(i));
	let offset = 0;
	const seqs: number[] = [];
	// 5000 pending hits of ~320 bytes of previous text each: well past the first 256 KiB, both ways of adding.
	for (let i = 0; i < 5000; i++) {
		const previous = bytes(i);
		const holder = Buffer.concat([Buffer.from('junk'), previous, Buffer.from('more junk')]);
		seqs.push(i % 2 === 0 ? watermark.addHit(offset, i + 1, text(i)) : watermark.addHitBytes(offset, i + 1, holder, 4, 4 + previous.length));
		offset += 400;
		watermark.lineDone(offset, i + 1, text(i + 1));
	}

	assert.deepEqual(watermark.position(), {offset: 0, lineNo: 1, lastLine: text(0)});
	// Acknowledge out of order: the position waits for the first pending one.
	for (let i = 0; i < 4000; i++) if (i !== 1234) watermark.ack(seqs[i]!);
	assert.deepEqual(watermark.position(), {offset: 1234 * 400, lineNo: 1235, lastLine: text(1234)});
	watermark.ack(seqs[1234]!);
	assert.deepEqual(watermark.position(), {offset: 4000 * 400, lineNo: 4001, lastLine: text(4000)});
	// More hits after the compaction, then all acknowledged: the last line done.
	for (let i = 5000; i < 7000; i++) seqs.push(watermark.addHit(i * 400, i + 1, text(i)));
	watermark.lineDoneBytes(7000 * 400, 7000, Buffer.from(`>${text(7000)}<`), 1, 1 + Buffer.byteLength(text(7000)));
	for (const seq of seqs.slice(4000)) watermark.ack(seq);
	watermark.pinDoneText();
	assert.deepEqual(watermark.position(), {offset: 7000 * 400, lineNo: 7001, lastLine: text(7000)});
	assert.equal(watermark.pending, 0);
});

test('memory follows what is pending, not how many hits went through', () => {
	const watermark = new InputWatermark();
	const text = (i: number) => `${i} ${'y'.repeat(250)}`;
	const seqs: number[] = [];
	// 200,000 hits, each acknowledged once 3000 later ones are pending (a full queue of lanes): ~800 KB of texts pending.
	for (let i = 0; i < 200_000; i++) {
		seqs.push(watermark.addHit(i * 300, i, text(i)));
		watermark.lineDone((i + 1) * 300, i, text(i + 1));
		if (i >= 3000) watermark.ack(seqs[i - 3000]!);
	}

	assert.equal(watermark.pending, 3000);
	assert.deepEqual(watermark.position(), {offset: 197_000 * 300, lineNo: 197_000, lastLine: text(197_000)});
	// Twice the pending texts (plus the arrays) at most, whichever filled up first.
	assert.ok(watermark.retainedBytes < 4 * 3000 * 260, `${watermark.retainedBytes} bytes held`);
});

test('a slow lane holds the first pending hit back: the texts of the hits acknowledged behind it are not kept', () => {
	const watermark = new InputWatermark();
	const text = (i: number) => `${i} ${'z'.repeat(250)}`;
	const lanes = 16;
	const waiting: number[][] = Array.from({length: lanes}, () => []);
	// Hit i goes to lane i % 16. Lanes 1-15 are acknowledged in batches of 200; lane 0 only every 40,000 hits.
	for (let i = 0; i < 200_000; i++) {
		const lane = i % lanes;
		waiting[lane]!.push(watermark.addHit(i * 300, i, text(i)));
		watermark.lineDone((i + 1) * 300, i, text(i + 1));
		const due = lane === 0 ? i % 40_000 === 0 : waiting[lane]!.length === 200;
		if (due) for (const seq of waiting[lane]!.splice(0)) watermark.ack(seq);
		if (i % 10_007 === 0) {
			// Whenever asked, the position is right: the line before lane 0's first waiting hit.
			const first = waiting[0]!.length > 0 ? Math.min(...waiting.map(seqs => seqs[0] ?? Number.POSITIVE_INFINITY)) : undefined;
			if (first !== undefined) assert.equal(watermark.position().lastLine, text(first), `at hit ${i}`);
		}
	}

	// Up to 40,000 entries from the first pending hit on (their offsets and line numbers: 1.6 MB of arrays), but at
	// most 5,500 hits not acknowledged (lane 0's, and the other lanes' partial batches): their texts (1.4 MB), not the
	// 10 MB of all 40,000.
	assert.ok(watermark.pending > 30_000, `${watermark.pending} pending entries`);
	assert.ok(watermark.retainedBytes < 4 * 1024 * 1024, `${watermark.retainedBytes} bytes held`);
});
