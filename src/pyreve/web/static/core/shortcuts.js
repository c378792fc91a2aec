// Keyboard shortcuts. register("Delete", fn, { scope: "files" }); a handler returning false lets the
// key pass through. Keys: "Delete", "F2", "ctrl+a", "/", "Escape", "shift+?"… Keys typed into inputs
// are ignored except Escape. Help lists the registered shortcuts with their descriptions.
const bindings = new Map(); // key -> [{fn, description}]

function keyOf(e) {
  const parts = [];
  if (e.ctrlKey || e.metaKey) parts.push("ctrl");
  if (e.altKey) parts.push("alt");
  if (e.shiftKey && e.key.length > 1) parts.push("shift");
  parts.push(e.key.length === 1 ? e.key.toLowerCase() : e.key);
  return parts.join("+");
}

export function register(key, fn, description = "") {
  const entry = { fn, description };
  if (!bindings.has(key)) bindings.set(key, []);
  bindings.get(key).push(entry);
  return () => bindings.get(key).splice(bindings.get(key).indexOf(entry) >>> 0, 1);
}

export function listShortcuts() {
  return [...bindings.entries()].flatMap(([key, list]) => list.filter((b) => b.description).map((b) => ({ key, description: b.description })));
}

document.addEventListener("keydown", (e) => {
  const target = e.target;
  const typing = target.closest?.("input, textarea, select, [contenteditable=true]");
  if (typing && e.key !== "Escape") return;
  if (document.querySelector("dialog[open]") && e.key !== "Escape") return;
  const list = bindings.get(keyOf(e));
  if (!list?.length) return;
  // The most recently registered handler wins (the page on top).
  for (let i = list.length - 1; i >= 0; i -= 1) {
    if (list[i].fn(e) !== false) { e.preventDefault(); return; }
  }
});
