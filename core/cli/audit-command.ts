/** `validator audit …`: read-only questions to a validator's history. */
import type { Command } from 'commander';
import { auditQuery, formatCsv, formatJson, formatTable } from '../store/audit.js';

const EXAMPLES = `
Examples:
  $ validator audit sql "SELECT * FROM v_latest_incentive ORDER BY incentive DESC"
  $ validator audit sql "SELECT round, uid, score FROM v_round_scores WHERE uid = 5" --db /tmp/demo.db --csv
  $ validator audit sql "SELECT * FROM v_evaluation_errors" --json

The database is opened read-only: a statement that would write is refused and the file is unchanged.
Views and a cookbook of questions: docs/audit.md.
`;

interface SqlFlags {
  db: string;
  json?: boolean;
  csv?: boolean;
}

export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .description('read-only questions to the SQLite history')
    .addHelpText('after', '\nExamples:\n  $ validator audit sql "SELECT * FROM v_round_scores LIMIT 10"\n');
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
}
