import assert from 'node:assert/strict';
import { parseProperties } from './properties';

const parsed = (text: string) => Object.fromEntries(parseProperties(text));

describe('parseProperties: as java.util.Properties.load reads them', () => {
  it('takes =, : or white space between key and value, and trims only before the value', () => {
    assert.deepEqual(parsed('a=1\nb : 2\nc 3\n  d=four words  \ne=\nf'), { a: '1', b: '2', c: '3', d: 'four words  ', e: '', f: '' });
  });

  it('skips # and ! comments and blank lines, with leading white space', () => {
    assert.deepEqual(parsed('# comment\n  ! another\n\n\t\nkey=value\n#key=other'), { key: 'value' });
  });

  it('joins a line that ends in an odd number of backslashes with the next, dropping its leading space', () => {
    assert.deepEqual(parsed('jaas=first \\\n    second \\\n\tthird\nnext=1'), { jaas: 'first second third', next: '1' });
    assert.deepEqual(parsed('even=ends in one \\\\\nnext=1'), { even: 'ends in one \\', next: '1' });
  });

  it('reads escapes in keys and values: \\t \\n \\uXXXX, an escaped separator, any other escaped character', () => {
    assert.deepEqual(parsed('a\\=b=c\\:d\ntab=x\\ty\nu=\\u00e9t\\u00E9\nq=\\"quoted\\"'), {
      'a=b': 'c:d',
      tab: 'x\ty',
      u: 'été',
      q: '"quoted"',
    });
  });

  it('keeps the last value of a repeated key, and reads CRLF files', () => {
    assert.deepEqual(parsed('k=1\r\nk=2\r\n'), { k: '2' });
  });

  it('refuses a malformed \\u escape, saying which', () => {
    assert.throws(() => parseProperties('k=\\u12x4'), /malformed \\uxxxx escape "\\u12x4"/);
  });
});
