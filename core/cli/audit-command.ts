/** `validator audit …`: read-only questions to a validator's history, and recomputation of it. */
import type { Command } from 'commander';
import { proctorError } from '../errors.js';
import { auditQuery, formatCsv, formatJson, formatTable } from '../store/audit.js';

const EXAMPLES = `
Examples:
  $ validator audit sql "SELECT * FROM v_latest_incentive ORDER BY incentive DESC"
  $ validator audit sql "SELECT round, uid, score FROM v_round_scores WHERE uid = 5" --db /tmp/demo.db --csv
  $ validator audit sql "SELECT * FROM v_evaluation_errors" --json

The database is opened read-only: a statement that would write is refused and the file is unchanged.
Views and a cookbook of questions: docs/audit.md.
`;

const REPLAY_EXAMPLES = `
Examples:
  $ validator audit replay --round 3 --db /tmp/demo.db
  $ validator audit replay --round 3 --json > replay-3.json
  $ validator audit replay --round 3 --tolerance 1e-6      # replaying on another CPU

Exit 0: every stored number was reproduced. Exit 1: differences were found (each listed with its
table, row, column, stored and recomputed value). The database is opened read-only.
`;

const EXPLAIN_EXAMPLES = `
Examples:
  $ validator audit explain --uid 5                     # the miner at uid 5 in its latest scored round
  $ validator audit explain --hotkey 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty
  $ validator audit explain --hotkey 5FHneW46… --round 4 --db /tmp/demo.db --json
`;

const REPORT_EXAMPLES = `
Examples:
  $ validator audit report --db /tmp/demo.db --out /tmp/demo-report   # then open /tmp/demo-report/index.html
`;

interface SqlFlags {
  db: string;
  json?: boolean;
  csv?: boolean;
}

function roundNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw proctorError('PROCTOR_ERR_CLI_USAGE', { detail: `--round must be a round number ≥ 1 (got "${value}")` });
  return n;
}

function uidNumber(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw proctorError('PROCTOR_ERR_CLI_USAGE', { detail: `--uid must be a uid from 0 to 65535 (got "${value}")` });
  return Number(value);
}

export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .description('read-only questions to the SQLite history, replay, explanations and a report')
    .addHelpText('after', '\nExamples:\n  $ validator audit sql "SELECT * FROM v_round_scores LIMIT 10"\n  $ validator audit replay --round 3\n  $ validator audit report --out report\n');
  audit
    .command('sql <query>')
    .description('run one SQL query on the history, read-only')
    .option('--db <file>', 'the SQLite history', './proctor.db')
    .option('--json', 'rows as JSON objects')
    .option('--csv', 'rows as CSV')
    .addHelpText('after', EXAMPLES)
    .action((query: string, flags: SqlFlags) => {
      const result = auditQuery(flags.db, query);
      const text = flags.json ? formatJson(result) : flags.csv ? formatCsv(result) : formatTable(result);
      process.stdout.write(text + '\n');
    });
  audit
    .command('replay')
    .description('recompute a stored round from its revealed seed and stored responses; print every difference')
    .requiredOption('--round <n>', 'the round number')
    .option('--db <file>', 'the SQLite history', './proctor.db')
    .option('--plugins <list>', "plugins to load instead of the run's built-in names (a plugin given as a path)")
    .option('--tolerance <x>', 'relative tolerance for numbers', '1e-9')
    .option('--pool-size <n>', 'evaluator worker threads')
    .option('--evaluator-timeout <ms>', 'time limit of one evaluation', '30000')
    .option('--json', 'the report as JSON')
    .addHelpText('after', REPLAY_EXAMPLES)
    .action(async (flags: { round: string; db: string; plugins?: string; tolerance: string; poolSize?: string; evaluatorTimeout: string; json?: boolean }) => {
      const tolerance = Number(flags.tolerance);
      if (!(tolerance >= 0 && tolerance < 1)) throw proctorError('PROCTOR_ERR_CLI_USAGE', { detail: `--tolerance must be a number in [0, 1) (got "${flags.tolerance}")` });
      // Loaded here: replay brings the worker pool and every evaluator, the report vega.
      const { replayRound } = await import('../audit/replay.js');
      const { formatReplay } = await import('../audit/format.js');
      const report = await replayRound({
        db: flags.db,
        round: roundNumber(flags.round),
        plugins: flags.plugins?.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
        tolerance,
        poolSize: flags.poolSize !== undefined ? Number(flags.poolSize) : undefined,
        evaluatorTimeoutMs: Number(flags.evaluatorTimeout),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write((flags.json ? JSON.stringify(report, null, 2) : formatReplay(report)) + '\n');
      if (report.differences.length > 0) process.exitCode = 1;
    });
  audit
    .command('explain')
    .description("one miner's chain of evidence: tasks, answers, scores, findings, round score, moving average, weight, incentive")
    .option('--hotkey <ss58>', 'the miner')
    .option('--uid <n>', 'the miner by uid: the hotkey that held it in the round')
    .option('--round <n>', 'the round (default: the latest the miner was scored in)')
    .option('--db <file>', 'the SQLite history', './proctor.db')
    .option('--json', 'the evidence as JSON')
    .addHelpText('after', EXPLAIN_EXAMPLES)
    .action(async (flags: { hotkey?: string; uid?: string; round?: string; db: string; json?: boolean }) => {
      if ((flags.hotkey === undefined) === (flags.uid === undefined)) throw proctorError('PROCTOR_ERR_CLI_USAGE', { detail: 'give the miner as --hotkey <ss58> or --uid <n> (one of them)' });
      const { explainMiner } = await import('../audit/explain.js');
      const { formatExplain } = await import('../audit/explain-format.js');
      const miner = flags.hotkey !== undefined ? { hotkey: flags.hotkey } : { uid: uidNumber(flags.uid!) };
      const evidence = explainMiner({ db: flags.db, miner, round: flags.round !== undefined ? roundNumber(flags.round) : undefined });
      process.stdout.write((flags.json ? JSON.stringify(evidence, null, 2) : formatExplain(evidence)) + '\n');
    });
  audit
    .command('report')
    .description('a self-contained HTML report with plots (opens offline)')
    .option('--db <file>', 'the SQLite history', './proctor.db')
    .option('--out <dir>', 'the folder to write index.html into', 'proctor-report')
    .addHelpText('after', REPORT_EXAMPLES)
    .action(async (flags: { db: string; out: string }) => {
      const { writeReport } = await import('../audit/report/report.js');
      const written = await writeReport({ db: flags.db, out: flags.out });
      process.stdout.write(`${written.path} (${written.charts.length} charts: ${written.charts.join(', ')}; ${written.bytes} bytes)\n`);
    });
}
