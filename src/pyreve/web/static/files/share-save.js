// "Save to my files" for a signed-in visitor of someone else's share: a shortcut in a folder of one's
// own that points at the shared item (Cloudreve's symbolic "saved share"); it is also listed under
// "Shared with me".
import "../locales/share.js";
import { registerAction } from "./registry.js";
import { get, post, currentUser } from "../core/api.js";
import { toast } from "../core/dom.js";
import { pickFolder } from "./picker.js";
import { t } from "../core/i18n.js";
import { emit } from "../core/events.js";
import { navigate } from "../core/router.js";
import { MY_ROOT, parseUri, buildUri, joinUri, homeUrl } from "../core/uri.js";

const FOLDER = 1;

/** The shared item's URI with the share's password, so the shortcut opens without asking again. */
function sharedItemUri(file, view) {
  const share = parseUri(view.uri);
  const item = parseUri(file.path);
  return buildUri({ id: share.id, password: share.password, fs: "share", elements: item?.elements || [] });
}

export async function saveToMyFiles(files, view) {
  const folder = await pickFolder({ title: t("share.saveTitle"), confirmLabel: t("share.save"), start: MY_ROOT });
  if (!folder) return;
  const share = parseUri(view.uri);
  const info = await get(`/share/info/${encodeURIComponent(share.id)}`, { password: share.password });
  for (const file of files) {
    await post("/file/create", {
      uri: joinUri(folder, file.name),
      type: file.type === FOLDER ? "folder" : "file",
      metadata: { "sys:shared_redirect": sharedItemUri(file, view), "sys:shared_owner": info.owner.id },
      err_on_conflict: true,
    });
  }
  emit("files-changed", { uri: folder });
  const names = files.map((f) => f.name).join(", ");
  toast(t("share.saved", { name: names }), "success", { action: { label: t("share.show"), run: () => navigate(homeUrl(folder)) } });
}

registerAction({
  id: "save-share",
  icon: "save",
  label: () => t("share.save"),
  order: 15,
  toolbar: true,
  when: (files, view) => view.isShare && Boolean(currentUser()) && files.every((f) => !f.owned),
  run: (files, view) => saveToMyFiles(files, view),
});
