// A file's versions: list them, download one, make one current again, delete the others.
import { get, post, del } from "../core/api.js";
import { emit } from "../core/events.js";
import { h, clear, dialog, toast, toastError, iconButton, confirmDialog, errorMessage } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { formatSize, formatDate } from "../core/format.js";
import { registerAction } from "./registry.js";
import { filesChanged, canChange, onlyFiles, single, owned, startDownload } from "./actions-util.js";

const VERSION = 0; // entity type of a version (1 thumbnail, 2 live photo)

function showVersions(file) {
  const list = h("ul.version-list", { "aria-label": t("versions.list") });
  const status = h("p.muted", { role: "status" }, t("common.loading"));

  async function render() {
    const info = await get("/file/info", { uri: file.path, extended: true });
    const versions = (info.extended_info?.entities || []).filter((e) => e.type === VERSION);
    status.textContent = versions.length > 1 ? "" : t("versions.none");
    clear(list).append(...versions.map((v) => versionRow(info, v)));
  }

  function versionRow(info, version) {
    const current = version.id === info.primary_entity;
    const date = formatDate(version.created_at);
    const act = (fn, done) => async () => {
      try { await fn(); toast(t(done), "success"); filesChanged([file]); await render(); } catch (err) { toastError(err); }
    };
    return h("li.version-row", { "aria-current": current ? "true" : undefined },
      h("div.version-text", null,
        h("span.version-date", null, date),
        h("span.muted", null, formatSize(version.size)),
        current ? h("span.badge", null, t("versions.current")) : null),
      h("div.version-actions", null,
        iconButton("download", `${t("versions.download")} (${date})`, async () => {
          try {
            const { urls } = await post("/file/url", { uris: [file.path], entity: version.id, download: true });
            startDownload(urls[0].url, file.name);
          } catch (err) { toastError(err); }
        }),
        current ? null : iconButton("restore", `${t("versions.makeCurrent")} (${date})`,
          act(() => post("/file/version/current", { uri: file.path, version: version.id }), "versions.restored")),
        current ? null : iconButton("delete", `${t("versions.delete")} (${date})`, async () => {
          if (!await confirmDialog(t("versions.delete"), t("versions.deleteConfirm", { date }), { confirmLabel: t("common.delete"), danger: true })) return;
          await act(async () => {
            await del("/file/version", { uri: file.path, version: version.id });
            emit("capacity-changed");
          }, "versions.deleted")();
        })));
  }

  render().catch((err) => { status.textContent = errorMessage(err); });
  return dialog({
    title: t("versions.title", { name: file.name }), wide: true,
    body: [status, list],
    actions: [{ label: t("common.close"), primary: true, value: true }],
  });
}

registerAction({
  id: "versions", icon: "history", label: () => t("actions.versions"), order: 75,
  when: (files, view) => single(files) && onlyFiles(files) && canChange(view) && owned(files),
  run: (files) => showVersions(files[0]),
});
