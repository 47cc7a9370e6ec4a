// Builds the cdktf app from validated settings: one stack per account, each with its own provider,
// profile and allowed account, synthesizable alone because cross-account names come from settings.
import { AccountAStack, AccountBStack, type InfraSettings, STACK_A, STACK_B } from "@kr/stacks";
import { App } from "cdktf";

export interface InfraApp {
  readonly app: App;
  readonly accountA: AccountAStack;
  readonly accountB: AccountBStack;
}

export interface BuildOptions {
  /** Output directory. Default: cdktf's own (CDKTF_OUTDIR when the cdktf CLI runs the app, else cdktf.out). */
  readonly outdir?: string;
}

export function buildInfraApp(settings: InfraSettings, options: BuildOptions = {}): InfraApp {
  // Construct stack traces only bloat the JSON metadata and slow synth.
  const app = new App({ stackTraces: false, ...(options.outdir ? { outdir: options.outdir } : {}) });
  const accountA = new AccountAStack(app, settings, STACK_A);
  const accountB = new AccountBStack(app, settings, STACK_B);
  return { app, accountA, accountB };
}
