// "?" opens the list of keyboard shortcuts that the pages on screen have registered.
import "../locales/settings.js";
import { h, dialog } from "./dom.js";
import { t } from "./i18n.js";
import { register, listShortcuts } from "./shortcuts.js";

const KEY_NAMES = { ctrl: "Ctrl", alt: "Alt", shift: "Shift", Delete: "Del", Escape: "Esc", ArrowUp: "↑", ArrowDown: "↓", ArrowLeft: "←", ArrowRight: "→", " ": "Space" };

function keyCaps(key) {
  // "ctrl+a" → Ctrl + A; a lone "+" stays a key.
  const parts = key === "+" ? ["+"] : key.split("+");
  return parts.flatMap((part, i) => [i ? " + " : null, h("kbd", null, KEY_NAMES[part] || (part.length === 1 ? part.toUpperCase() : part))]);
}

export function openShortcutHelp() {
  const seen = new Set();
  // A description may be a function, so it follows the language chosen after it was registered.
  const rows = listShortcuts().map(({ key, description }) => ({ key, description: typeof description === "function" ? description() : description }));
  const unique = rows.filter(({ key, description }) => {
    const id = `${key}\n${description}`;
    return seen.has(id) ? false : seen.add(id);
  });
  const body = unique.length
    ? h("table.table.shortcut-table", null,
      h("thead", null, h("tr", null, h("th", { scope: "col" }, t("help.key")), h("th", { scope: "col" }, t("help.action")))),
      h("tbody", null, unique.map(({ key, description }) => h("tr", null, h("td", null, keyCaps(key)), h("td", null, description)))))
    : h("p.muted", null, t("help.none"));
  return dialog({ title: t("help.title"), body, actions: [{ label: t("common.close"), primary: true }] });
}

register("?", () => { openShortcutHelp(); }, () => t("help.shortcut"));
