// docs/cli.md §8 and docs/exports.md §12: the sweep's figures, its pareto column, the table printed
// on stdout and the two summary files, from hand-made points.
import { describe, expect, it } from 'vitest';
import type { MetricBlock, RunMetrics } from '../../../ts/src/metrics/aggregate.js';
import {
  paretoFlags,
  SWEEP_FIGURES,
  sweepFigures,
  sweepSummaryCsv,
  sweepSummaryJson,
  type SweepFigures,
  type SweepPointStatus,
  type SweepPointSummary,
  type SweepSummary,
} from '../../../ts/src/report/sweep-summary.js';
import { sweepFooterLines, sweepTable, sweepTableHeaders, sweepTableRows } from '../../../ts/src/report/sweep-table.js';

/** Figures with the two Pareto objectives given and round numbers elsewhere. */
function figures(outputTokS: number | null, perUser: number | null, over: Partial<SweepFigures> = {}): SweepFigures {
  return {
    request_throughput: outputTokS === null ? null : outputTokS / 100,
    output_token_throughput: outputTokS,
    output_token_throughput_per_gpu: null,
    tokens_per_user: perUser,
    time_to_first_token_avg: 12.5,
    time_to_first_token_p99: 40,
    inter_token_latency_avg: 5,
    inter_token_latency_p99: 6.25,
    request_latency_p99: 1234.5678,
    goodput: null,
    request_error_rate: 0,
    ...over,
  };
}

function point(
  index: number,
  value: number,
  status: SweepPointStatus,
  f: SweepFigures | null,
  over: Partial<SweepPointSummary> = {},
): SweepPointSummary {
  return {
    index,
    value,
    label: `concurrency_${value}`,
    runName: `m-openai-chat-concurrency${value}`,
    directory: `artifacts/m-openai-chat-concurrency${value}`,
    status,
    failure: status === 'failed' ? 'no request succeeded (8 of 8 failed)' : null,
    benchmarkId: f === null ? null : `id-${value}`,
    figures: f,
    saturated: f === null ? null : false,
    ...over,
  };
}

function summary(points: SweepPointSummary[], over: Partial<SweepSummary> = {}): SweepSummary {
  return {
    sweepId: '00000000-0000-4000-8000-000000000000',
    version: '0.1.0',
    dimension: 'concurrency',
    startWallNs: 1_763_066_701_865_462_000n,
    endWallNs: 1_763_066_761_865_462_000n,
    interrupted: false,
    randomSeed: 0n,
    gpus: null,
    goodput: false,
    streaming: true,
    argv: ['infermark', 'sweep', '-m', 'm', '--concurrency', '1,2,4,8', '--api-key', 'sk-secret-key'],
    points,
    ...over,
  };
}

describe('the pareto column (docs/cli.md §8)', () => {
  it('marks each point that no other point beats on both output tok/s and tok/s/user', () => {
    const points = [
      point(0, 1, 'ok', figures(100, 100)),
      point(1, 2, 'ok', figures(190, 95)),
      point(2, 4, 'ok', figures(350, 88)),
      point(3, 8, 'ok', figures(340, 40)), // less of both than concurrency 4
      point(4, 16, 'ok', figures(600, 37.5)),
    ];
    expect(paretoFlags(points)).toEqual([true, true, true, false, true]);
    expect(sweepTableRows(summary(points)).map((r) => r.at(-1))).toEqual(['*', '*', '*', '', '*']);
  });

  it('needs one strictly higher figure to knock a point out: a tie on both keeps both', () => {
    const points = [point(0, 1, 'ok', figures(200, 50)), point(1, 2, 'ok', figures(200, 50)), point(2, 4, 'ok', figures(200, 49))];
    expect(paretoFlags(points)).toEqual([true, true, false]);
  });

  it('never marks a failed, interrupted or unrun point, and lets none of them hide an ok one', () => {
    const points = [
      point(0, 1, 'ok', figures(100, 50)),
      // Better on both than the ok point, but the run failed (its threshold stopped it).
      point(1, 2, 'failed', figures(500, 90)),
      point(2, 4, 'interrupted', figures(600, 95)),
      point(3, 8, 'not_run', null),
    ];
    expect(paretoFlags(points)).toEqual([true, false, false, false]);
  });

  it('leaves out an ok point missing an objective (no per-user figure)', () => {
    expect(paretoFlags([point(0, 1, 'ok', figures(100, null)), point(1, 2, 'ok', figures(50, 10))])).toEqual([false, true]);
  });
});

describe('the sweep table', () => {
  it('has exactly the columns of docs/cli.md §8, per GPU and goodput only when asked for', () => {
    expect(sweepTableHeaders({ dimension: 'concurrency', gpus: null, goodput: false })).toEqual([
      'concurrency',
      'req/s',
      'output tok/s',
      'tok/s/user',
      'TTFT avg',
      'TTFT p99',
      'ITL avg',
      'ITL p99',
      'latency p99',
      'errors %',
      'client',
      'pareto',
    ]);
    expect(sweepTableHeaders({ dimension: 'request_rate', gpus: 8, goodput: true })).toEqual([
      'request_rate',
      'req/s',
      'output tok/s',
      'output tok/s/GPU',
      'tok/s/user',
      'TTFT avg',
      'TTFT p99',
      'ITL avg',
      'ITL p99',
      'latency p99',
      'goodput',
      'errors %',
      'client',
      'pareto',
    ]);
  });

  it('writes numbers as {:,.2f}, N/A for a metric the run lacks, - for a point without figures', () => {
    const points = [
      point(0, 1, 'ok', figures(1234.5, 98.765, { inter_token_latency_avg: null, inter_token_latency_p99: null })),
      point(1, 2, 'not_run', null),
    ];
    const rows = sweepTableRows(summary(points));
    expect(rows[0]).toEqual(['1', '12.35', '1,234.50', '98.77', '12.50', '40.00', 'N/A', 'N/A', '1,234.57', '0.00', 'ok', '*']);
    expect(rows[1]).toEqual(['2', '-', '-', '-', '-', '-', '-', '-', '-', '-', 'NOT RUN', '']);
  });

  it('says SATURATED, FAILED and INTERRUPTED in the client column', () => {
    const points = [
      point(0, 1, 'ok', figures(100, 10), { saturated: true }),
      point(1, 2, 'failed', figures(null, null, { request_error_rate: 100 })),
      point(2, 4, 'interrupted', figures(50, 5)),
    ];
    expect(sweepTableRows(summary(points)).map((r) => r.at(-2))).toEqual(['SATURATED', 'FAILED', 'INTERRUPTED']);
    const footer = sweepFooterLines(summary(points, { interrupted: true }));
    expect(footer).toContain('Sweep interrupted: 3 of 3 points ran');
    expect(footer).toContain('concurrency 2: FAILED: no request succeeded (8 of 8 failed) (artifacts/m-openai-chat-concurrency2)');
  });

  it('writes request rates as the run name does and the per-GPU figure when --gpus is given', () => {
    const s = summary([point(0, 2.5, 'ok', figures(800, 40, { output_token_throughput_per_gpu: 100 }))], {
      dimension: 'request_rate',
      gpus: 8,
    });
    expect(sweepTableRows(s)[0]!.slice(0, 5)).toEqual(['2.5', '8.00', '800.00', '100.00', '40.00']);
  });

  it('draws a box whose every line is as wide as the header', () => {
    const text = sweepTable(summary([point(0, 1, 'ok', figures(100, 10)), point(1, 16, 'ok', figures(12345.678, 9))]));
    const lines = text.trimEnd().split('\n').slice(1);
    expect(lines.length).toBe(6);
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
    expect(text).toContain('12,345.68');
    expect(text.split('\n')[0]!.trim()).toBe('infermark | Sweep');
  });
});

describe('sweepFigures', () => {
  const block = (stats: Record<string, number>): MetricBlock => ({ unit: 'x', stats });
  const run = (blocks: Record<string, MetricBlock>): RunMetrics => ({ blocks: new Map(Object.entries(blocks)) }) as unknown as RunMetrics;
  const blocks = {
    request_throughput: block({ avg: 4 }),
    output_token_throughput: block({ avg: 800 }),
    output_token_throughput_per_user: block({ avg: 50, p99: 70 }),
    e2e_output_token_throughput: block({ avg: 30 }),
    time_to_first_token: block({ avg: 20, p99: 90 }),
    inter_token_latency: block({ avg: 20, p99: 25 }),
    request_latency: block({ avg: 500, p99: 900 }),
    request_error_rate: block({ avg: 12.5 }),
  };

  it('takes tok/s/user from output_token_throughput_per_user when streaming, else from e2e_output_token_throughput', () => {
    expect(sweepFigures(run(blocks), { streaming: true, gpus: null }).tokens_per_user).toBe(50);
    expect(sweepFigures(run(blocks), { streaming: false, gpus: null }).tokens_per_user).toBe(30);
  });

  it('divides output tok/s by --gpus and reads avg and p99 where the columns say', () => {
    expect(sweepFigures(run(blocks), { streaming: true, gpus: 8 })).toEqual({
      request_throughput: 4,
      output_token_throughput: 800,
      output_token_throughput_per_gpu: 100,
      tokens_per_user: 50,
      time_to_first_token_avg: 20,
      time_to_first_token_p99: 90,
      inter_token_latency_avg: 20,
      inter_token_latency_p99: 25,
      request_latency_p99: 900,
      goodput: null,
      request_error_rate: 12.5,
    });
  });
});

describe('sweep_summary.json and sweep_summary.csv (docs/exports.md §12)', () => {
  const points = [
    point(0, 1, 'ok', figures(100, 100)),
    point(1, 2, 'failed', figures(null, null, { request_error_rate: 100 })),
    point(2, 4, 'ok', figures(300, 80)),
    point(3, 8, 'not_run', null),
  ];

  it('holds the sweep id, the dimension, and per point its value, directory, status, figures and pareto flag', () => {
    const doc = JSON.parse(sweepSummaryJson(summary(points)));
    expect(doc).toMatchObject({
      schema_version: '1.0',
      sweep_id: '00000000-0000-4000-8000-000000000000',
      dimension: 'concurrency',
      values: [1, 2, 4, 8],
      random_seed: 0,
      gpus: null,
      tokens_per_user_metric: 'output_token_throughput_per_user',
      was_cancelled: false,
    });
    expect(doc.cli_command).not.toContain('sk-secret-key');
    expect(doc.points.map((p: { status: string; pareto_optimal: boolean }) => [p.status, p.pareto_optimal])).toEqual([
      ['ok', true],
      ['failed', false],
      ['ok', true],
      ['not_run', false],
    ]);
    expect(doc.points[1]).toMatchObject({
      variation_label: 'concurrency_2',
      run_directory: 'artifacts/m-openai-chat-concurrency2',
      failure: 'no request succeeded (8 of 8 failed)',
    });
    expect(Object.keys(doc.points[0].metrics)).toEqual([...SWEEP_FIGURES]);
    expect(doc.points[1].metrics.output_token_throughput).toBeNull();
    expect(doc.points[3].metrics).toBeNull();
  });

  it('writes one CSV row per point with the same columns, empty cells where there is no value', () => {
    const lines = sweepSummaryCsv(summary(points)).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(
      'index,concurrency,status,request_throughput,output_token_throughput,output_token_throughput_per_gpu,tokens_per_user,' +
        'time_to_first_token_avg,time_to_first_token_p99,inter_token_latency_avg,inter_token_latency_p99,request_latency_p99,' +
        'goodput,request_error_rate,client_saturated,pareto_optimal,run_directory,failure',
    );
    expect(lines[1]).toBe(
      '0,1,ok,1.00,100.00,,100.00,12.50,40.00,5.00,6.25,1234.57,,0.00,false,true,artifacts/m-openai-chat-concurrency1,',
    );
    expect(lines[2]).toBe(
      '1,2,failed,,,,,12.50,40.00,5.00,6.25,1234.57,,100.00,false,false,artifacts/m-openai-chat-concurrency2,no request succeeded (8 of 8 failed)',
    );
    expect(lines[4]).toBe('3,8,not_run,,,,,,,,,,,,,false,artifacts/m-openai-chat-concurrency8,');
  });
});
