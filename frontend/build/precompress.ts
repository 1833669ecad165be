// A Vite plugin that writes a brotli and a gzip twin beside every text file of
// the build (name.br, name.gz), for the Go server to send as they are
// (frontend/static.go). Compressing once at the highest levels costs the
// build a few seconds and no request anything; Node's own zlib does both, so
// the build needs no other package.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** Text worth compressing; fonts and images come compressed already. */
export const COMPRESSIBLE = /\.(?:html|js|mjs|css|svg|json|txt|wasm)$/;

export interface Twins {
  /** Path relative to the directory. */
  file: string;
  plain: number;
  /** Bytes of each twin written; absent when it would not be smaller than the plain file. */
  br?: number;
  gz?: number;
}

function brotli(b: Buffer): Buffer {
  return brotliCompressSync(b, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: b.length,
    },
  });
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/**
 * precompressDir writes the twins of every compressible file under dir; a
 * twin that would not be smaller than its file is not written (the server
 * then sends the file itself).
 */
export function precompressDir(dir: string): Twins[] {
  const out: Twins[] = [];
  for (const p of files(dir)) {
    if (!COMPRESSIBLE.test(p)) continue;
    const b = readFileSync(p);
    const t: Twins = { file: relative(dir, p), plain: b.length };
    for (const [ext, z] of [['br', brotli(b)], ['gz', gzipSync(b, { level: 9 })]] as const) {
      if (z.length >= b.length) continue;
      writeFileSync(`${p}.${ext}`, z);
      t[ext] = z.length;
    }
    out.push(t);
  }
  return out;
}

/** precompress runs precompressDir over the build's output once everything (public/ too) is written. */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'citygrid-precompress',
    apply: 'build',
    configResolved(c) {
      outDir = resolve(c.root, c.build.outDir);
    },
    closeBundle() {
      const twins = precompressDir(outDir);
      const sum = (k: 'plain' | 'br' | 'gz') => twins.reduce((a, t) => a + (t[k] ?? t.plain), 0);
      this.info(`precompressed ${twins.length} files: ${sum('plain')} B, brotli ${sum('br')} B, gzip ${sum('gz')} B`);
    },
  };
}
