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
