/**
 * What a scenario hands back to the runner (as JSON): tables, target checks and notes. The runner prints
 * them and renders BENCHMARKS.md from them; numbers are never edited by hand.
 */

/** The message of a thrown error, for a table's notes. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One markdown table. */
export interface Table {
  readonly title: string;
  /** Text shown above the table (how it was measured). */
  readonly intro?: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** One target of issue 7, checked against this run's numbers. */
export interface TargetCheck {
  /** The target as the issue states it. */
  readonly target: string;
  /** Where it was checked (broker, QoS, size ...). */
  readonly where: string;
  /** The measured figure(s) the verdict rests on. */
  readonly measured: string;
  /** true = met, false = missed, null = not measurable in this run (n/a). */
  readonly met: boolean | null;
  /**
   * How many reps met the target on their own ("3 of 5"), where the target compares reps that ran side by
   * side: the verdict is the medians', this tells a row the machine's spells decide from a steady gap.
   */
  readonly reps?: string;
}

/** A scenario's whole result. */
export interface ScenarioOutput {
  readonly id: string;
  readonly title: string;
  readonly tables: Table[];
  readonly targets: TargetCheck[];
  readonly notes: string[];
  /** Raw per-rep numbers for later analysis (kept in the JSON, not rendered). */
  readonly raw: Record<string, unknown>;
}

/** Builds a {@link ScenarioOutput} step by step. */
export class OutputBuilder {
  readonly tables: Table[] = [];
  readonly targets: TargetCheck[] = [];
  readonly notes: string[] = [];
  readonly raw: Record<string, unknown> = {};

  constructor(
    readonly id: string,
    readonly title: string,
  ) {}

  table(table: Table): void {
    this.tables.push(table);
  }

  target(check: TargetCheck): void {
    this.targets.push(check);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  build(): ScenarioOutput {
    return {
      id: this.id,
      title: this.title,
      tables: this.tables,
      targets: this.targets,
      notes: this.notes,
      raw: this.raw,
    };
  }
}

/** Renders a table as GitHub markdown. */
export function renderTable(table: Table): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `| ${table.columns.map(escape).join(' | ')} |`,
    `|${table.columns.map(() => '---').join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** "met" / "**missed**" / "n/a". */
export function verdict(met: boolean | null): string {
  if (met === null) return 'n/a';
  return met ? 'met' : '**missed**';
}
