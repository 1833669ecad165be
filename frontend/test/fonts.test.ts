import { describe, expect, it } from 'vitest';
import slices from '@fontsource/noto-sans-sc/unicode.json';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cjkCharacters, cutHanSubset, cutHanSubsets, unicodeRanges } from '../build/hansubset';
import { hanFaces, hanSource, latinFace, sliceFaces, subsetFaces } from '../src/fonts';

/** covers: whether a face's unicode-range holds code point c. */
function covers(ranges: string[], c: number): boolean {
  return ranges.some((r) => {
    const [a, b] = r.replace(/^U\+/i, '').split('-');
    return c >= parseInt(a, 16) && c <= parseInt(b ?? a, 16);
  });
}

describe('fonts', () => {
  it('pairs every numbered slice with its file, and only those', () => {
    const numbered = Object.keys(slices).filter((k) => /^\[\d+\]$/.test(k));
    expect(numbered.length).toBeGreaterThan(90);
    expect(hanFaces.length).toBe(numbered.length); // a renamed file in a new @fontsource would drop a slice
    expect(new Set(hanFaces.map((f) => f.url)).size).toBe(hanFaces.length);
  });

  it('covers the Chinese the wall draws, and Latin with the Latin face', () => {
    for (const ch of '苏州市姑苏区吴中区相城区昆山市平江街道事件数案件闭环指挥中心加载中') {
      const c = ch.codePointAt(0) as number;
      expect(hanFaces.filter((f) => covers(f.ranges, c)).length, ch).toBe(1);
    }
    for (const ch of 'citygrid 0123456789') expect(covers(latinFace.ranges, ch.codePointAt(0) as number), ch).toBe(true);
  });

  it('leaves out a slice without a file', () => {
    const faces = sliceFaces({ '[1]': 'U+4e00-4e01', '[2]': 'U+4e02', latin: 'U+0000-00FF' }, { '/x/noto-sans-sc-2-400-normal.woff2': '/assets/two.woff2' });
    expect(faces).toEqual([{ url: '/assets/two.woff2', ranges: ['U+4e02'] }]);
  });

  it('asks for the installed font of the same design before the slice', () => {
    const src = hanSource('/assets/s-1.woff2');
    expect(src.startsWith('local("Noto Sans SC"), ')).toBe(true);
    expect(src.endsWith('url("/assets/s-1.woff2") format("woff2")')).toBe(true);
  });

  it("holds in the build's subset every name of the default profile and the wall's words", () => {
    const names = readFileSync(new URL('../../profiles/suzhou/divisions.csv', import.meta.url), 'utf8');
    const text = names + '市域社会治理指挥中心事件巡逻力量待命已出动处置下班案件闭环待受理超期最新';
    const inSubset = (ch: string) => subsetFaces.some((f) => covers(f.ranges, ch.codePointAt(0) as number));
    const missing = cjkCharacters(text).filter((ch) => !inSubset(ch));
    // No source has 爃 (a system font draws it, as before the subset).
    expect(missing, missing.join('')).toEqual(['爃']);
    for (const ch of '市域社会治理指挥中心▲▼●') expect(inSubset(ch), ch).toBe(true);
    // The big file first, then small top-ups from the slices.
    expect(subsetFaces.length).toBeGreaterThan(1);
    expect(subsetFaces[0].ranges.length).toBeGreaterThan(subsetFaces.slice(1).reduce((a, f) => a + f.ranges.length, 0));
  });
});

describe('the han subset build step', () => {
  it('writes code points as unicode-range runs', () => {
    expect(unicodeRanges([0x4e00, 0x4e01, 0x4e02, 0x4e05, 0x9fff])).toEqual(['U+4e00-4e02', 'U+4e05', 'U+9fff']);
    expect(unicodeRanges([])).toEqual([]);
  });

  it('takes the distinct CJK characters of a text, Latin left out', () => {
    expect(cjkCharacters('苏州 Suzhou 苏州市，OK')).toEqual(['州', '市', '苏', '，']);
  });

  it('cuts a file holding exactly the characters asked for that the font has', async () => {
    const require = createRequire(import.meta.url);
    const font = readFileSync(require.resolve('@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-400-normal.woff2'));
    // 㐀 (U+3400, extension A) is not in the simplified-Chinese file: it is left out of the ranges.
    const cut = await cutHanSubset(font, cjkCharacters('苏州市姑苏区㐀'));
    expect(cut.ranges).toEqual(unicodeRanges(['州', '区', '姑', '市', '苏'].map((c) => c.codePointAt(0) as number).sort((a, b) => a - b)));
    expect(cut.characters).toBe(5);
    expect(cut.woff2.subarray(0, 4).toString('latin1')).toBe('wOF2');
    expect(cut.woff2.length).toBeLessThan(20_000);
  });

  it('tops up from the next source what the ones before lack, and only that', async () => {
    const require = createRequire(import.meta.url);
    const file = (n: string) => () => readFileSync(require.resolve(`@fontsource/noto-sans-sc/files/noto-sans-sc-${n}-400-normal.woff2`));
    // ● (U+25CF) is in slice 105, not in the simplified-Chinese file.
    const cuts = await cutHanSubsets(
      [{ font: file('chinese-simplified') }, { font: file('105'), ranges: ['U+25cf', 'U+5e'] }, { font: file('119'), ranges: ['U+4e00-9fff'] }],
      cjkCharacters('苏州●'),
    );
    expect(cuts.map((c) => c.ranges)).toEqual([unicodeRanges(['州', '苏'].map((c) => c.codePointAt(0) as number)), ['U+25cf']]);
  });
});
