// A Vite plugin that cuts, at build time, one font file holding exactly the
// Chinese characters the product itself writes: the default city profile's
// names (every district, street, community and grid, the categories, the
// case catalogue) and the strings of the page and of the server. The wall
// draws a few hundred of them at a time, scattered over Google's unicode-range
// slices by how common each character is in Chinese at large, so a cold load
// fetched 16 to 21 slices of 33 kB (0.52–0.70 MB, varying with the names the
// ticker happened to show); the file cut here holds all of them in about
// 150 kB. Characters it lacks (another city's names, a note an officer types)
// fall through to the slices as before (fonts.ts).
//
// The page imports it as `virtual:han-subset` (a list of { url, ranges }): in
// a build each file is an asset with a hashed name (cached for a year); under
// the dev server and the unit tests they are served from fixed paths.
// hb-subset (harfbuzz, by the subset-font package) does the cutting, from the
// simplified-Chinese file of the same @fontsource package, topped up from its
// numbered slices with what that file lacks (▲▼●, rarer characters).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Blob as HBBlob, Face } from 'harfbuzzjs';
import subsetFont from 'subset-font';
import type { Plugin } from 'vite';

export const HAN_SUBSET_MODULE = 'virtual:han-subset';
const RESOLVED = '\0' + HAN_SUBSET_MODULE;
/** Where the dev server serves the files, by number (a build names them after their content). */
const DEV_PREFIX = '/@han-subset/';

/** What the plugin reads characters from. */
export interface HanSubsetSources {
  /** Files and directories read whole (a profile's data, the page's sources). */
  dirs: string[];
  /** Directories whose .go files (not tests) are read, recursively. */
  goRoots: string[];
}

/**
 * What the Latin face lacks and the page writes: Han ideographs, CJK
 * punctuation, full-width forms, and the arrows and shapes beside them (▲▼●←).
 */
const CJK = /[\u2100-\u2bff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/gu;

/** cjkCharacters: the distinct CJK characters of a text, in code point order. */
export function cjkCharacters(text: string): string[] {
  return [...new Set(text.match(CJK) ?? [])].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
}

function walk(dir: string, keep: (path: string) => boolean): string[] {
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir).flatMap((n) => {
    if (n === 'node_modules' || n.startsWith('.')) return [];
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p, keep) : keep(p) ? [p] : [];
  });
}

/** sourceText: everything the product writes that may reach the page. */
export function sourceText(s: HanSubsetSources): string {
  const files = [
    ...s.dirs.flatMap((d) => walk(d, () => true)),
    ...s.goRoots.flatMap((d) => walk(d, (p) => p.endsWith('.go') && !p.endsWith('_test.go'))),
  ];
  return files.map((p) => readFileSync(p, 'utf8')).join('\n');
}

/**
 * unicodeRanges writes code points as CSS unicode-range entries, runs of
 * consecutive ones as one ("U+4e00-4e02"), in the order given (ascending).
 */
export function unicodeRanges(codePoints: Iterable<number>): string[] {
  const out: string[] = [];
  let start = -1;
  let end = -1;
  const flush = () => {
    if (start < 0) return;
    out.push(start === end ? `U+${start.toString(16)}` : `U+${start.toString(16)}-${end.toString(16)}`);
  };
  for (const c of codePoints) {
    if (c === end + 1) {
      end = c;
      continue;
    }
    flush();
    start = end = c;
  }
  flush();
  return out;
}

/** A cut font: its bytes and the code points it really has (the source may lack some asked for). */
export interface HanSubset {
  woff2: Buffer;
  ranges: string[];
  characters: number;
}

/** cutHanSubset cuts the font file down to the given characters it has. */
export async function cutHanSubset(font: Buffer, characters: string[]): Promise<HanSubset> {
  const text = characters.join('');
  const sfnt = await subsetFont(font, text, { targetFormat: 'sfnt' });
  const face = new Face(new HBBlob(sfnt), 0);
  const has = [...face.collectUnicodes()].filter((c) => String.fromCodePoint(c).match(CJK)).sort((a, b) => a - b);
  const woff2 = await subsetFont(font, String.fromCodePoint(...has), { targetFormat: 'woff2' });
  return { woff2, ranges: unicodeRanges(has), characters: has.length };
}

/** A font file to cut from, and the code points it is for (a slice's unicode-range; all when absent). */
export interface SubsetSource {
  font: () => Buffer;
  ranges?: string[];
}

function inRanges(ranges: string[], c: number): boolean {
  return ranges.some((r) => {
    const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
    return c >= parseInt(a, 16) && c <= parseInt(b ?? a, 16);
  });
}

/**
 * cutHanSubsets cuts the characters from the sources in turn: each takes
 * what it has of those the ones before lacked. The simplified-Chinese file
 * has nearly all; a slice tops up the rest (arrows and shapes, rarer
 * characters) with a file of a few kB. A character no source has is left to
 * the page's other fonts.
 */
export async function cutHanSubsets(sources: SubsetSource[], characters: string[]): Promise<HanSubset[]> {
  let left = characters;
  const out: HanSubset[] = [];
  for (const src of sources) {
    const want = src.ranges ? left.filter((ch) => inRanges(src.ranges as string[], ch.codePointAt(0) as number)) : left;
    if (want.length === 0) continue;
    const cut = await cutHanSubset(src.font(), want);
    if (cut.characters === 0) continue;
    out.push(cut);
    left = left.filter((ch) => !inRanges(cut.ranges, ch.codePointAt(0) as number));
  }
  return out;
}

/** The sources of the cut: the simplified-Chinese file, then the numbered slices. */
function fontsourceSources(): SubsetSource[] {
  const require = createRequire(import.meta.url);
  const file = (name: string) => () => readFileSync(require.resolve(`@fontsource/noto-sans-sc/files/noto-sans-sc-${name}-400-normal.woff2`));
  const table = JSON.parse(readFileSync(require.resolve('@fontsource/noto-sans-sc/unicode.json'), 'utf8')) as Record<string, string>;
  const slices = Object.entries(table).flatMap(([key, ranges]) => {
    const n = /^\[(\d+)\]$/.exec(key)?.[1];
    return n === undefined ? [] : [{ font: file(n), ranges: ranges.split(',') }];
  });
  return [{ font: file('chinese-simplified') }, ...slices];
}

/** hanSubset is the plugin; sources name what to read, by paths relative to Vite's root. */
export function hanSubset(sources: HanSubsetSources): Plugin {
  let root = '.';
  let cut: Promise<HanSubset[]> | undefined;
  const subsets = () =>
    (cut ??= cutHanSubsets(
      fontsourceSources(),
      cjkCharacters(
        sourceText({ dirs: sources.dirs.map((d) => resolve(root, d)), goRoots: sources.goRoots.map((d) => resolve(root, d)) }),
      ),
    ));
  let build = false;
  return {
    name: 'citygrid-han-subset',
    configResolved(c) {
      root = c.root;
      build = c.command === 'build';
    },
    resolveId(id) {
      return id === HAN_SUBSET_MODULE ? RESOLVED : undefined;
    },
    async load(id) {
      if (id !== RESOLVED) return undefined;
      const faces = (await subsets()).map((s, i) => {
        let url = JSON.stringify(`${DEV_PREFIX}${i}.woff2`);
        if (build) {
          const ref = this.emitFile({ type: 'asset', name: `noto-sans-sc-subset-${i}-400-normal.woff2`, source: s.woff2 });
          url = `import.meta.ROLLUP_FILE_URL_${ref}`;
        }
        return `{ url: ${url}, ranges: ${JSON.stringify(s.ranges)} }`;
      });
      return `export default [${faces.join(', ')}];`;
    },
    configureServer(server) {
      server.middlewares.use(DEV_PREFIX, (req, res, next) => {
        const i = Number(/^\/?(\d+)\.woff2$/.exec(req.url ?? '')?.[1] ?? NaN);
        subsets().then((all) => {
          if (!all[i]) return next();
          res.setHeader('Content-Type', 'font/woff2');
          res.end(all[i].woff2);
        }, next);
      });
    },
  };
}
