import { describe, expect, it } from 'vitest';
import { composeOutput, createOutputCapture, utf8Tail } from './output-capture.js';

describe('createOutputCapture', () => {
  it('keeps the last bytes, counts every byte and streams every chunk', () => {
    const streamed: string[] = [];
    const capture = createOutputCapture(10, (t) => streamed.push(t));
    capture.sink.write('hello ');
    capture.sink.write(new TextEncoder().encode('world, '));
    capture.sink.write('and the rest');
    expect(capture.sink.bytesWritten).toBe(25);
    expect(capture.tail().toString()).toBe('d the rest');
    expect(streamed.join('')).toBe('hello world, and the rest');
  });

  it('keeps only the tail of one chunk larger than the limit', () => {
    const capture = createOutputCapture(4, () => {});
    capture.sink.write('ab');
    capture.sink.write('0123456789');
    expect(capture.tail().toString()).toBe('6789');
    capture.sink.write('X');
    expect(capture.tail().toString()).toBe('789X');
  });

  it('streams a multi-byte character split across binary chunks whole', () => {
    const streamed: string[] = [];
    const capture = createOutputCapture(100, (t) => streamed.push(t));
    const euro = Buffer.from('a€b', 'utf8'); // € is 3 bytes
    capture.sink.write(euro.subarray(0, 2));
    capture.sink.write(euro.subarray(2, 3));
    capture.sink.write(euro.subarray(3));
    expect(streamed).toEqual(['a', '€b']);
    expect(capture.tail().toString()).toBe('a€b');
  });

  it('copies binary chunks, so an executor may reuse its buffer', () => {
    const capture = createOutputCapture(100, () => {});
    const buf = Buffer.from('one');
    capture.sink.write(buf);
    buf.write('two');
    expect(capture.tail().toString()).toBe('one');
  });

  it('ignores writes after close and flushes a dangling partial character', () => {
    const streamed: string[] = [];
    const capture = createOutputCapture(100, (t) => streamed.push(t));
    capture.sink.write(Buffer.from('€').subarray(0, 1));
    capture.close();
    capture.sink.write('late');
    expect(streamed).toEqual(['\uFFFD']);
    expect(capture.sink.bytesWritten).toBe(1);
  });
});

describe('utf8Tail', () => {
  it('starts on a character boundary', () => {
    const bytes = Buffer.from('€€€', 'utf8'); // 9 bytes
    expect(utf8Tail(bytes, 7).toString()).toBe('€€');
    expect(utf8Tail(bytes, 6).toString()).toBe('€€');
    expect(utf8Tail(bytes, 9).toString()).toBe('€€€');
  });
});

describe('composeOutput', () => {
  it('puts the error line first, as Dkron does', () => {
    expect(composeOutput('exit status 1', Buffer.from('out\n'), 100)).toBe('exit status 1\nout\n');
    expect(composeOutput(undefined, Buffer.from('out'), 100)).toBe('out');
    expect(composeOutput('', Buffer.from('out'), 100)).toBe('out');
  });

  it('keeps the error line and cuts the front of long output', () => {
    expect(composeOutput('err', Buffer.from('0123456789'), 8)).toBe('err\n6789');
    expect(Buffer.byteLength(composeOutput('err', Buffer.alloc(100, 'x'), 50))).toBe(50);
  });

  it('caps an error longer than the limit', () => {
    expect(composeOutput('a very long error', Buffer.from('out'), 6)).toBe('or\nout');
  });
});
