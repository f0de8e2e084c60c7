// How every benchmark talks: a progress line while it runs, one `RESULT <json>` line at the end, and a small
// SVG chart of its figures under bench/results/ (vega-lite, rendered headless).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);

/** A line that rewrites itself on a terminal, and prints every few seconds elsewhere (CI logs). */
export function progress(label: string): { update(text: string): void; done(text?: string): void } {
  const tty = process.stdout.isTTY;
  let lastPrinted = 0;
  return {
    update(text) {
      if (tty) process.stdout.write(`\r[bench] ${label}: ${text}\x1b[K`);
      else if (Date.now() - lastPrinted > 5_000) {
        lastPrinted = Date.now();
        say(`${label}: ${text}`);
      }
    },
    done(text) {
      if (tty) process.stdout.write('\r\x1b[K');
      if (text) say(`${label}: ${text}`);
    },
  };
}

export function printResult(figures: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(figures)}\n`);
}

export interface Bar {
  group: string;
  series: string;
  value: number;
}

/** A grouped bar chart (Herald beside its engine's floor), written to bench/results/<name>.svg. */
export async function writeBarChart(name: string, title: string, unit: string, bars: Bar[]): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: bars },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'group', type: 'nominal', title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'series' },
      y: { field: 'value', type: 'quantitative', title: unit },
      color: { field: 'series', type: 'nominal', title: null },
    },
    width: 360,
    height: 220,
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.svg`);
  await writeFile(file, svg);
  return file;
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}
