/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The dev server proxies the API and the WebSocket gateway to the local
// runtime (`make run`, SKYLEDGER_ADDR default 127.0.0.1:8080). The built app
// uses relative /api paths only, so the same dist/ runs behind CloudFront.
const target = process.env.SKYLEDGER_API ?? 'http://127.0.0.1:8080';

/**
 * stations serves `virtual:stations`: the server's own airport table
 * (domain/pirep/locations.csv.gz) as "IDENT,lat,lon" lines with 1 decimal
 * (about 11 km: enough for a "near station" box of 25 NM or more), so the console resolves a station exactly as the server
 * does. It is imported dynamically only, so it is a chunk of its own.
 */
function stations(): Plugin {
  const id = 'virtual:stations';
  const src = fileURLToPath(new URL('../domain/pirep/locations.csv.gz', import.meta.url));
  return {
    name: 'skyledger-stations',
    resolveId: (s) => (s === id ? '\0' + id : undefined),
    load(s) {
      if (s !== '\0' + id) return undefined;
      this.addWatchFile(src);
      const rows = gunzipSync(readFileSync(src)).toString('utf8').split('\n').slice(1);
      const out: string[] = [];
      for (const r of rows) {
        const [ident, la, lo] = r.split(',');
        if (!ident || !la || !lo) continue;
        out.push(`${ident},${Number(la).toFixed(1)},${Number(lo).toFixed(1)}`.replace(/\.0(?=,|$)/g, ''));
      }
      return `export default ${JSON.stringify(out.join('\n'))};`;
    },
  };
}

export default defineConfig({
  plugins: [react(), stations()],
  server: {
    proxy: {
      '/api': { target, changeOrigin: false },
      '/ws': { target, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
    assetsInlineLimit: 0,
    // the station table is one lazily loaded chunk of about 620 KB (240 KB
    // gzipped), fetched only by the submit form and the near-station filter
    chunkSizeWarningLimit: 700,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
