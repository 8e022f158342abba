/**
 * The app's entry point (package.json `main`): importing a function module registers it with the
 * Functions host (or with the local runner, through the same `@azure/functions-core` seam).
 * Each function lives in its own file and registers itself at the bottom.
 */
import './http/health';
