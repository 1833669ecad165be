// The shipped font, Noto Sans SC (OFL, @fontsource), in the pieces the page
// draws. Latin comes in 400 and 700 (fonts.css, 13 kB each). Chinese comes at
// 400 only, cut into Google Fonts' unicode-range slices (about a hundred
// files of 1 to 60 kB; the characters in everyday use sit in a few of them):
// the browser fetches a slice only when a character of it is on screen, and
// the map's labels fetch theirs the same way, by the same URLs. Shipping the
// whole 400 and 700 files instead made every cold load 2.3 MB heavier.
//
// The characters the product writes itself (the default profile's names, the
// page's and the server's words) come first from one file cut at build time
// (build/hansubset.ts, about 150 kB): the wall draws a few hundred characters
// spread over 16 to 21 slices, 0.52–0.70 MB. The slices stay for the rest
// (another city's names, a note an officer types).
//
// Bold Chinese is synthesized from the 400: the subset and the slices are
// families of their own (SUBSET_FAMILY, HAN_FAMILY), and a family with no bold face is emboldened by the
// browser, where within 'Noto Sans SC' the Latin 700 would be chosen and
// Chinese would fall through to another family. Text shows at once in a
// system font (font-display: swap; the CSS lists common system CJK fonts
// after the shipped ones) and changes to Noto Sans SC when its slice arrives.

import latin400 from '@fontsource/noto-sans-sc/files/noto-sans-sc-latin-400-normal.woff2?url';
import slices from '@fontsource/noto-sans-sc/unicode.json';
import subsets from 'virtual:han-subset';

/** The CSS family of the build's subset (style.css names it after 'Noto Sans SC'). */
export const SUBSET_FAMILY = 'Noto Sans SC Subset';
/** The CSS family of the Chinese slices (style.css names it after the subset). */
export const HAN_FAMILY = 'Noto Sans SC Han';

/** One font file and the code points it is to be used for. */
export interface Face {
  url: string;
  ranges: string[];
}

/** The numbered slices' files, by slice number; Vite emits each as an asset of its own. */
const sliceUrls = import.meta.glob<string>('/node_modules/@fontsource/noto-sans-sc/files/noto-sans-sc-[0-9]*-400-normal.woff2', {
  query: '?url',
  import: 'default',
  eager: true,
});

/**
 * sliceFaces pairs each numbered slice of the unicode table ("[118]") with
 * its file; a slice without a file is left out.
 */
export function sliceFaces(table: Record<string, string>, urls: Record<string, string>): Face[] {
  const byNumber = new Map<string, string>();
  for (const [path, url] of Object.entries(urls)) {
    const m = /noto-sans-sc-(\d+)-400-normal\.woff2$/.exec(path);
    if (m) byNumber.set(m[1], url);
  }
  const out: Face[] = [];
  for (const [key, ranges] of Object.entries(table)) {
    const n = /^\[(\d+)\]$/.exec(key)?.[1];
    const url = n === undefined ? undefined : byNumber.get(n);
    if (url) out.push({ url, ranges: ranges.split(',').map((r) => r.trim()) });
  }
  return out;
}

/** hanFaces: the Chinese slices (and the rest of the CJK range Noto Sans SC covers). */
export const hanFaces: Face[] = sliceFaces(slices, sliceUrls);

/** subsetFaces: the characters the product writes, cut at build time (one file and its small top-ups). */
export const subsetFaces: Face[] = subsets;

/** latinFace: the Latin 400 file, as fonts.css declares it. */
export const latinFace: Face = { url: latin400, ranges: slices.latin.split(',') };

/**
 * LOCAL_HAN: the same design installed under its other names (Debian's
 * fonts-noto-cjk, Adobe's Source Han Sans, Google's own Noto Sans SC): a
 * machine that has one draws the page's Chinese with it and fetches no slice.
 * The map's labels still fetch theirs (MapLibre loads font files by URL).
 */
export const LOCAL_HAN = ['Noto Sans SC', 'NotoSansSC-Regular', 'Noto Sans CJK SC', 'NotoSansCJKsc-Regular', 'Source Han Sans SC', 'SourceHanSansSC-Regular'];

/** hanSource: a slice's CSS src, the installed font first. */
export function hanSource(url: string): string {
  return [...LOCAL_HAN.map((n) => `local("${n}")`), `url("${url}") format("woff2")`].join(', ');
}

/**
 * registerHanFonts adds the subset and the slices to the document's fonts.
 * Nothing is fetched here: the browser loads a face when text needs one of
 * its code points, as it does for an @font-face rule.
 */
export function registerHanFonts(fonts: FontFaceSet = document.fonts): void {
  for (const f of subsetFaces) {
    fonts.add(new FontFace(SUBSET_FAMILY, hanSource(f.url), { weight: '400', display: 'swap', unicodeRange: f.ranges.join(',') }));
  }
  for (const f of hanFaces) {
    fonts.add(new FontFace(HAN_FAMILY, hanSource(f.url), { weight: '400', display: 'swap', unicodeRange: f.ranges.join(',') }));
  }
}
