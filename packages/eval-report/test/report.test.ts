import { describe, expect, it } from 'vitest';
import type { EvalReport } from '@d2pruner/pipeline';
import { gridSpec, reportHtml, reportSkips, sweepSpec, type ReportSample } from '../src/index.js';

const REPORT: EvalReport = {
  files: 2,
  results: [
    { method: 'fastv', budget: { ratio: 0.1 }, files: 2, skipped: 0, referentHit: 0.5, referentShare: 1 / 3, objectRecall: 0.75, msPerFile: 0.2, referentFiles: 2, kept: 6, keptRatio: 0.1 },
    { method: 'fastv', budget: { ratio: 0.2 }, files: 2, skipped: 0, referentHit: 1, referentShare: 2 / 3, objectRecall: 1, msPerFile: 0.3, referentFiles: 2, kept: 12, keptRatio: 0.2 },
    { method: 'dart', budget: { ratio: 0.1 }, files: 0, skipped: 2, referentHit: null, referentShare: null, objectRecall: null, msPerFile: null, referentFiles: 0, kept: null, keptRatio: null, skipReasons: [{ reason: '[MISSING_TENSOR] keys: <dart> needs keys', files: 2 }] },
  ],
};

const SAMPLE: ReportSample = { file: 'a', frames: [{ rows: 2, cols: 2 }], frame: [0, 0, 0, 0], row: [0, 0, 1, 1], col: [0, 1, 0, 1], object: [-1, 3, 3, -1], referent: 3, budget: { ratio: 0.1 }, kept: { fastv: [1] } };

describe('report charts', () => {
  it('a sweep has one point per (method, budget) that ran, at its kept ratio', () => {
    const spec = sweepSpec(REPORT, 'referentShare') as { data: { values: { method: string; keptRatio: number; value: number }[] } };
    expect(spec.data.values).toEqual([
      { method: 'fastv', keptRatio: 0.1, value: 1 / 3, files: 2 },
      { method: 'fastv', keptRatio: 0.2, value: 2 / 3, files: 2 },
    ]);
  });

  it('a grid has one cell per token and method, kept / object states and the referent flagged', () => {
    const spec = gridSpec(SAMPLE, ['fastv', 'dart']) as { data: { values: { method: string; state: string; referent: boolean }[] } };
    const fastv = spec.data.values.filter((v) => v.method === 'fastv');
    expect(fastv.map((v) => v.state)).toEqual(['background', 'kept, object', 'object', 'background']);
    expect(fastv.map((v) => v.referent)).toEqual([false, true, true, false]);
    expect(spec.data.values.filter((v) => v.method === 'dart').every((v) => !v.state.startsWith('kept'))).toBe(true);
  });
});

describe('token grids of multi-frame layouts', () => {
  it('places the frames side by side, one empty column apart', () => {
    const two: ReportSample = { ...SAMPLE, frames: [{ rows: 2, cols: 2 }, { rows: 1, cols: 1 }], frame: [0, 0, 0, 0, 1], row: [0, 0, 1, 1, 0], col: [0, 1, 0, 1, 0], object: [-1, 3, 3, -1, 3] };
    const spec = gridSpec(two, ['fastv']) as { data: { values: { x: number; y: number }[] } };
    expect(spec.data.values.map((v) => [v.x, v.y])).toEqual([[0, 0], [1, 0], [0, 1], [1, 1], [3, 0]]);
  });
});

describe('reportHtml', () => {
  const html = reportHtml(REPORT, [SAMPLE], { vega: 'var vega={}; // </script> inside', vegaLite: 'var vegaLite={};', vegaEmbed: 'var vegaEmbed=function(){};' });

  it('tabulates every row with the unrounded values, escapes text, and lists skip reasons', () => {
    expect(html).toContain('data-field="referentShare" data-value="0.3333333333333333">0.333<');
    expect(html).toContain('data-field="referentHit" data-value="">–<');
    expect(html).toContain('&#60;dart&#62; needs keys');
    expect(html.match(/<tr>/g)).toHaveLength(4);
  });

  it('inlines the libraries without closing its script early, and references nothing outside the page', () => {
    expect(html).toContain('// <\\/script> inside');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    const data = /<script type="application\/json" id="eval-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(JSON.parse(data).report).toEqual(REPORT);
  });
});

describe('reportSkips', () => {
  it('lists each skip reason with its method, budget and file count (escaped), and is empty without skips', () => {
    const base = { files: 0, skipped: 2, referentHit: null, referentShare: null, objectRecall: null, msPerFile: null, referentFiles: 0, kept: null, keptRatio: null };
    const withSkips = {
      files: 2,
      results: [
        { method: 'dart', budget: { ratio: 0.1 }, ...base, skipReasons: [{ reason: '[MISSING_TENSOR] keys: dart needs <keys>', files: 2 }] },
        { method: 'fastv', budget: { ratio: 0.1 }, ...base, files: 2, skipped: 0 },
      ],
    } as unknown as EvalReport;
    const html = reportSkips(withSkips);
    expect(html).toContain('<ul id="eval-skips">');
    expect(html).toContain('<li>dart (ratio 0.1): 2 file(s) skipped — [MISSING_TENSOR] keys: dart needs &#60;keys&#62;</li>');
    expect(html).not.toContain('fastv');
    expect(reportSkips({ files: 2, results: [withSkips.results[1]] } as unknown as EvalReport)).toBe('');
  });
});
