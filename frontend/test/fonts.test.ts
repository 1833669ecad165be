import { describe, expect, it } from 'vitest';
import slices from '@fontsource/noto-sans-sc/unicode.json';
import { hanFaces, hanSource, latinFace, sliceFaces } from '../src/fonts';

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
});
