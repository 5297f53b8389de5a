/**
 * A manager's own outputs beside `onEvent` listeners: the display (`display: true`) and the trace
 * file (`traceFile`). Both modules are loaded on the first event, not when the manager is made:
 * a script that never runs anything — or a worker or child replaying a module — pays nothing for
 * the terminal (touching `process.stdout` alone costs Bun ~15 ms).
 */
import { ignoresOutput, type EventBus, type RunEvent } from './events.ts';
import type { Options } from './options.ts';
import type { Reporter } from './ui/display.ts';
import type { ReporterContext } from './ui/static-reporter.ts';

export class Outputs {
  #bus: EventBus;
  #options: () => Readonly<Options>;
  #ctx: () => ReporterContext;
  #warn: (message: string) => void;
  #display: { off: () => void; reporter: Reporter | null } | null = null;
  #trace: (() => void) | null = null;

  constructor(bus: EventBus, options: () => Readonly<Options>, ctx: () => ReporterContext, warn: (message: string) => void) {
    this.#bus = bus;
    this.#options = options;
    this.#ctx = ctx;
    this.#warn = warn;
  }

  /** Follows the options: adds or removes the display, adds the trace. */
  sync(): void {
    const o = this.#options();
    if (o.display && !this.#display) {
      const d: { off: () => void; reporter: Reporter | null } = { off: () => {}, reporter: null };
      // The display shows output only in debug mode (the static display's `[name] line`).
      const listener = ignoresOutput((e: RunEvent) => {
        if (d.reporter === null) {
          const { createDisplay } = require('./ui/display.ts') as typeof import('./ui/display.ts');
          d.reporter = createDisplay('stdout', this.#options().dynamic, this.#ctx());
        }
        d.reporter.onEvent(e);
      }, () => this.#options().debug);
      d.off = this.#bus.on(listener);
      this.#display = d;
    } else if (!o.display && this.#display) {
      this.#display.off();
      this.#display.reporter?.dispose();
      this.#display = null;
    }
    if (o.traceFile !== null && !this.#trace) {
      const { TraceReporter } = require('./ui/trace-reporter.ts') as typeof import('./ui/trace-reporter.ts');
      const trace = new TraceReporter(() => this.#options().traceFile, this.#warn);
      this.#trace = this.#bus.on(ignoresOutput(trace.onEvent));
    }
  }

  /** Restores the terminal. */
  dispose(): void {
    this.#display?.reporter?.dispose();
  }
}
