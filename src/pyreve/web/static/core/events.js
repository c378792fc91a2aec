// A tiny app-wide event bus. Events in use:
//   "session" (session|null)       signed in/out or user changed
//   "signed-out" (reason)          "user" | "expired" | "required"
//   "files-changed" ({uri})        something under a folder changed: listings of `uri` reload
//   "capacity-changed" ()          usage may have changed: the meter reloads
//   "pins-changed" ()              the sidebar pins reload
//   "route" ({path, query})        after each navigation
const handlers = new Map();

export function on(name, fn) {
  if (!handlers.has(name)) handlers.set(name, new Set());
  handlers.get(name).add(fn);
  return () => handlers.get(name).delete(fn);
}

export function emit(name, detail) {
  for (const fn of [...(handlers.get(name) || [])]) {
    try { fn(detail); } catch (err) { console.error(err); }
  }
}
