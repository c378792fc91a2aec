// The details dialog: type, size, location, dates, storage, owner, direct links and activity of one file or folder.
import { get, del, currentUser } from "../core/api.js";
import { h, dialog, toast, toastError, iconButton, copyText } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { formatSize, formatDate } from "../core/format.js";
import { parentUri } from "../core/uri.js";
import { registerAction } from "./registry.js";
import { isFolder, readableLocation } from "./browse-util.js";
import { single } from "./actions-util.js";
import { tagsOf, tagChip } from "./actions-tags.js";
import { activityLog } from "./activity.js";
import { mediaRows } from "./media-info.js";

function row(label, value) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", null, label), h("dd", null, value)];
}

/** The file's direct links, each with its download count, a copy button and a delete button. */
function directLinks(links) {
  return h("ul.info-links", null, links.map((link) => {
    const item = h("li.info-link", null,
      h("a", { href: link.url, target: "_blank", rel: "noopener noreferrer" }, link.url),
      h("span.muted", null, t("info.linkDownloads", { n: link.downloaded || 0 })),
      iconButton("copy", t("info.copyLink", { url: link.url }), () => copyText(link.url)),
      iconButton("delete", t("info.deleteLink", { url: link.url }), async () => {
        try {
          await del(`/file/source/${encodeURIComponent(link.id)}`);
          item.remove();
          toast(t("info.linkDeleted"), "success");
        } catch (err) {
          toastError(err);
        }
      }));
    return item;
  }));
}

async function showInfo(file) {
  const folder = isFolder(file);
  const details = await get("/file/info", {
    uri: file.path, extended: true, folder_summary: folder && file.owned !== false ? true : undefined,
  });
  const ext = details.extended_info || {};
  const summary = details.folder_summary;
  const versions = (ext.entities || []).filter((e) => e.type === 0).length;
  const tags = tagsOf(details);
  const user = currentUser();
  await dialog({
    title: t("actions.infoTitle", { name: details.name }),
    body: [h("dl.info-list", null,
      row(t("info.type"), folder ? t("info.folder") : t("info.file")),
      row(t("info.size"), folder ? (summary ? formatSize(summary.size) : null) : formatSize(details.size)),
      row(t("info.contents"), summary ? t("info.contentsValue", { files: summary.files, folders: summary.folders }) : null),
      row(t("info.location"), readableLocation(parentUri(details.path))),
      row(t("info.created"), formatDate(details.created_at)),
      row(t("info.modified"), formatDate(details.updated_at)),
      row(t("info.owner"), details.owned && user ? `${user.nickname || user.email} (${t("info.you")})` : null),
      row(t("info.storage"), ext.storage_policy?.name),
      row(t("info.storageUsed"), folder ? null : formatSize(ext.storage_used)),
      row(t("info.versions"), !folder && versions ? String(versions) : null),
      mediaRows(details.metadata || {}).map(([label, value]) => row(label, value)),
      row(t("info.shared"), details.shared ? t("info.yes") : null),
      row(t("info.tags"), tags.length ? h("span.tag-chips", null, tags.map(tagChip)) : null),
      row(t("info.directLinks"), ext.direct_links?.length ? directLinks(ext.direct_links) : null)),
    details.owned ? activityLog(details.path) : null],
    // Focus on Close, not on the activity filter: a reader's first keypress should not change the list.
    actions: [{ label: t("common.close"), primary: true, value: true, autofocus: true }],
  });
}

registerAction({
  id: "info", icon: "info", label: () => t("actions.info"), order: 80,
  when: (files, view) => single(files) && !view.isTrash,
  run: (files) => showInfo(files[0]).catch(toastError),
});
