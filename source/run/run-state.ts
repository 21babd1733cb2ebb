/**
 * The run's state as the views (ui/, report/) read it. The types live in core/run-state.ts, below the stages that
 * fill them in; the views keep importing them from here.
 */
export * from '../core/run-state.js';
