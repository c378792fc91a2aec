// The uploads panel in the bottom corner: overall progress, one row per file with its own bar and
// buttons, collapsible. It only draws tasks; the manager (files/upload.js) owns them.
import { h, icon, iconButton } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { formatSize, formatDuration } from "../core/format.js";

export const ACTIVE = new Set(["waiting", "uploading", "retrying"]);

function percent(task) {
  return task.size ? Math.floor((100 * task.loaded) / task.size) : (task.state === "done" ? 100 : 0);
}

function statusText(task) {
  const progress = { loaded: formatSize(task.loaded), size: formatSize(task.size), pct: percent(task) };
  switch (task.state) {
    case "waiting": return t("upload.state.waiting");
    case "uploading": return task.rate > 0
      ? t("upload.state.uploadingRate", { ...progress, rate: formatSize(task.rate),
        left: formatDuration(Math.max(0, task.size - task.loaded) / task.rate) })
      : t("upload.state.uploading", progress);
    case "retrying": return t("upload.state.retrying", { n: task.attempt });
    case "done": return t("upload.state.done", progress);
    case "skipped": return t("upload.state.skipped");
    case "cancelled": return t("upload.state.cancelled");
    case "interrupted": return t("upload.state.interrupted", progress);
    default: return task.error || t("upload.state.failed");
  }
}

/**
 * handlers: {cancel(task), retry(task), resume(task), cancelAll(), close()}.
 * Returns {render(tasks)}; rendering happens at most once per frame.
 */
export function createPanel(handlers) {
  let collapsed = false;
  let tasks = [];
  let frame = 0;
  const rows = new Map(); // task id -> {el, status, bar, actions, state}

  const title = h("h2.upload-title", { "aria-live": "polite" });
  const overall = h("progress.upload-overall", { max: 100, value: 0, "aria-label": t("upload.overall") });
  const cancelAll = h("button.text.upload-cancel-all", { type: "button", onclick: () => handlers.cancelAll() }, t("upload.cancelAll"));
  const toggle = iconButton("chevron", t("upload.collapse"), () => { collapsed = !collapsed; schedule(); },
    { "aria-expanded": "true", "aria-controls": "upload-list" });
  const close = iconButton("close", t("upload.close"), () => handlers.close());
  const list = h("ul.upload-list#upload-list");
  const root = h("section.upload-panel", { "aria-label": t("upload.panel"), hidden: true },
    h("header.upload-head", null, title, cancelAll, toggle, close), overall, list);
  document.body.append(root);

  function buttonsFor(task) {
    const name = task.name;
    const buttons = [];
    if (task.state === "interrupted") buttons.push(iconButton("upload", t("upload.resume", { name }), () => handlers.resume(task)));
    if (task.state === "failed") buttons.push(iconButton("refresh", t("upload.retry", { name }), () => handlers.retry(task)));
    if (ACTIVE.has(task.state) || task.state === "failed" || task.state === "interrupted") {
      buttons.push(iconButton("close", t("upload.cancel", { name }), () => handlers.cancel(task)));
    }
    return buttons;
  }

  function rowFor(task) {
    let row = rows.get(task.id);
    if (!row) {
      const status = h("span.upload-status");
      const bar = h("progress.upload-bar", { max: 100, value: 0, "aria-label": task.name });
      const actions = h("div.upload-actions");
      const el = h("li.upload-item", null, icon("file"),
        h("div.upload-info", null, h("span.upload-name", { title: task.path }, task.name), status, bar), actions);
      row = { el, status, bar, actions, state: null };
      rows.set(task.id, row);
    }
    return row;
  }

  function draw() {
    frame = 0;
    root.hidden = tasks.length === 0;
    if (!tasks.length) { rows.forEach((r) => r.el.remove()); rows.clear(); return; }
    const counted = tasks.filter((task) => task.state !== "skipped" && task.state !== "cancelled");
    const size = counted.reduce((sum, task) => sum + task.size, 0);
    const loaded = counted.reduce((sum, task) => sum + task.loaded, 0);
    const active = tasks.filter((task) => ACTIVE.has(task.state)).length;
    const pending = tasks.filter((task) => task.state === "interrupted" || task.state === "failed").length;
    title.textContent = active ? t("upload.title.active", { n: active })
      : pending ? t("upload.title.pending", { n: pending }) : t("upload.title.idle");
    overall.value = size ? Math.floor((100 * loaded) / size) : (active ? 0 : 100);
    cancelAll.hidden = !(active || pending);
    close.hidden = !!active;
    toggle.setAttribute("aria-expanded", String(!collapsed));
    toggle.setAttribute("aria-label", collapsed ? t("upload.expand") : t("upload.collapse"));
    toggle.title = toggle.getAttribute("aria-label");
    root.classList.toggle("collapsed", collapsed);
    list.hidden = collapsed;

    const seen = new Set();
    tasks.forEach((task, i) => {
      const row = rowFor(task);
      seen.add(task.id);
      row.el.dataset.state = task.state;
      row.status.textContent = statusText(task);
      row.bar.value = percent(task);
      if (row.state !== task.state) { row.actions.replaceChildren(...buttonsFor(task)); row.state = task.state; }
      if (list.children[i] !== row.el) list.insertBefore(row.el, list.children[i] || null);
    });
    for (const [id, row] of rows) if (!seen.has(id)) { row.el.remove(); rows.delete(id); }
  }

  function schedule() { if (!frame) frame = requestAnimationFrame(draw); }

  return {
    render(next) { tasks = next; schedule(); },
  };
}
