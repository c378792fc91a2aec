// What can be done to files in the browser: create, rename, move/copy, trash, download, pin, direct links.
// Previews, versions, tags, details, the trash, lock conflicts, drag-to-move and batch rename have their
// own modules, loaded from here.
import "../locales/actions.js";
import "./preview.js";
import "./versions.js";
import "./info.js";
import "./trash.js";
import "./actions-tags.js";
import "./locks.js";
import "./drag-move.js";
import "./batch-rename.js";
import { get, post, put, del, currentUser } from "../core/api.js";
import { emit } from "../core/events.js";
import { h, promptDialog, confirmDialog, dialog, toast, toastError, iconButton, copyText } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { joinUri, parentUri, baseName } from "../core/uri.js";
import { registerAction, registerCreator } from "./registry.js";
import { isFolder, hasCapability, CAP } from "./browse-util.js";
import { pickFolder } from "./picker.js";
import {
  batchCall, batchOnFiles, undoToast, filesChanged, transferTo, canChange, inMyFiles, canDownload, onlyFiles, single,
  owned, startDownload,
} from "./actions-util.js";

// ---- new folder / new file ----

function creator(id, iconName, type, labelKey, nameKey, defaultNameKey, order) {
  registerCreator({
    id, icon: iconName, order, label: () => t(labelKey),
    when: (view) => canChange(view) && !view.isSearch && hasCapability(view.capability, CAP.create),
    run: (view) => promptDialog(t(labelKey), {
      label: t(nameKey), value: t(defaultNameKey), confirmLabel: t("actions.create"),
      submit: async (name) => {
        const created = await post("/file/create", { uri: joinUri(view.uri, name.trim()), type, err_on_conflict: true });
        emit("files-changed", { uri: view.uri });
        return created;
      },
    }),
  });
}
creator("new-folder", "create-folder", "folder", "actions.newFolder", "actions.folderName", "actions.untitledFolder", 10);
creator("new-file", "file", "file", "actions.newFile", "actions.fileName", "actions.untitledFile", 20);

// ---- download ----

// Group permission bit 4: the server may zip several files or folders into one download.
const ARCHIVE_DOWNLOAD = 4;
const mayArchive = () => hasCapability(currentUser()?.group?.permission, ARCHIVE_DOWNLOAD);

async function download(files) {
  if ((files.length > 1 && mayArchive()) || isFolder(files[0])) {
    const { urls } = await post("/file/url", { uris: files.map((f) => f.path), archive: true });
    startDownload(urls[0].url, "archive.zip");
    return;
  }
  // Without archives, several files download one by one.
  const { urls } = await post("/file/url", { uris: files.map((f) => f.path), download: true });
  urls.forEach((u, i) => startDownload(u.url, files[i].name));
}

registerAction({
  id: "download", icon: "download", label: () => t("actions.download"), order: 20, toolbar: true,
  // Double-click downloads files that have no preview (the preview action comes first for the others).
  default: true,
  when: (files, view) => canDownload(files, view) && (mayArchive() || onlyFiles(files)),
  run: (files) => download(files).catch(toastError),
});

// ---- rename ----

registerAction({
  id: "rename", icon: "rename", label: () => t("actions.rename"), order: 30, shortcut: "F2", toolbar: true,
  when: (files, view) => single(files) && canChange(view) && owned(files),
  run: (files) => {
    const [file] = files;
    const dot = isFolder(file) ? -1 : file.name.lastIndexOf(".");
    const pending = promptDialog(t("actions.rename"), {
      label: t("actions.newName"), value: file.name, confirmLabel: t("actions.rename"),
      submit: async (name) => {
        const renamed = await post("/file/rename", { uri: file.path, new_name: name.trim() });
        filesChanged([file]);
        const undo = () => post("/file/rename", { uri: renamed.path, new_name: file.name })
          .then(() => { filesChanged([file]); toast(t("actions.renameUndone"), "success"); }, toastError);
        undoToast(t("actions.renamed", { name: renamed.name }), undo);
        return renamed;
      },
    });
    // Select the name without its extension, as file managers do.
    if (dot > 0) document.querySelector("dialog[open] input")?.setSelectionRange(0, dot);
    return pending;
  },
});

// ---- move / copy ----

async function moveOrCopy(files, view, copy) {
  const dst = await pickFolder({
    title: single(files)
      ? t(copy ? "actions.copyOne" : "actions.moveOne", { name: files[0].name })
      : t(copy ? "actions.copyTitle" : "actions.moveTitle", { n: files.length }),
    confirmLabel: t(copy ? "actions.copyHere" : "actions.moveHere"),
    start: view.isSearch ? parentUri(files[0].path) : view.uri,
    exclude: files.filter(isFolder).map((f) => f.path),
  });
  if (dst) await transferTo(files, dst, copy);
}

registerAction({
  id: "move", icon: "move", label: () => t("actions.move"), order: 40, toolbar: true,
  when: (files, view) => canChange(view) && owned(files),
  run: (files, view) => moveOrCopy(files, view, false),
});
registerAction({
  id: "copy", icon: "copy", label: () => t("actions.copy"), order: 41,
  when: (files, view) => canChange(view) && owned(files),
  run: (files, view) => moveOrCopy(files, view, true),
});

// ---- delete to trash ----

registerAction({
  id: "delete", icon: "delete", label: () => t("actions.delete"), order: 90, shortcut: "Delete", toolbar: true,
  danger: true,
  when: (files, view) => canChange(view) && owned(files),
  run: async (files) => {
    const message = single(files)
      ? t("actions.deleteConfirm", { name: files[0].name })
      : t("actions.deleteConfirmMany", { n: files.length });
    if (!await confirmDialog(t("actions.deleteTitle"), message, { confirmLabel: t("actions.delete"), danger: true })) return;
    let trashed;
    try {
      trashed = await batchOnFiles("DELETE", "/file", { uris: files.map((f) => f.path) }, files);
    } catch (err) {
      toastError(err);
      return;
    }
    filesChanged(files, "cloudreve://trash");
    if (trashed.length) undoToast(t("actions.trashed"), () => untrash(trashed));
    else toast(t("actions.trashed"), "success");
  },
});

/** Undo a delete: trashed entries keep their ids but get new names, so their trash URIs are asked for by id. */
async function untrash(files) {
  try {
    const inTrash = await Promise.all(files.map((f) => get("/file/info", { id: f.id })));
    await batchCall("POST", "/file/restore", { uris: inTrash.map((f) => f.path) }, inTrash);
    filesChanged(files, "cloudreve://trash");
    toast(t("actions.restored"), "success");
  } catch (err) {
    toastError(err);
  }
}

// ---- pins ----

const isPinned = (file) => (currentUser()?.pined || []).some((pin) => pin.uri === file.path);

const pinnable = (files, view) => single(files) && isFolder(files[0]) && inMyFiles(view) && !view.isTrash;

registerAction({
  id: "pin", icon: "pin", label: () => t("actions.pin"), order: 60,
  when: (files, view) => pinnable(files, view) && !isPinned(files[0]),
  run: async ([folder]) => {
    try {
      await put("/file/pin", { uri: folder.path, name: folder.name });
      emit("pins-changed");
      toast(t("actions.pinned"), "success");
    } catch (err) {
      toastError(err);
    }
  },
});
registerAction({
  id: "unpin", icon: "pin", label: () => t("actions.unpin"), order: 60,
  when: (files, view) => pinnable(files, view) && isPinned(files[0]),
  run: async ([folder]) => {
    try {
      await del("/file/pin", { uri: folder.path });
      emit("pins-changed");
      toast(t("actions.unpinned"), "success");
    } catch (err) {
      toastError(err);
    }
  },
});

// ---- direct links ----

function linkRow(name, link) {
  return h("li.link-row", null,
    h("span.link-name", null, name),
    h("span.link-value", null,
      h("input", { type: "text", readonly: true, value: link, "aria-label": name, onfocus: (e) => e.target.select() }),
      iconButton("copy", t("actions.copyLink", { name }), () => copyText(link))));
}

registerAction({
  id: "direct-link", icon: "link", label: () => t("actions.directLink"), order: 70,
  when: (files, view) => onlyFiles(files) && inMyFiles(view) && !view.isTrash && owned(files),
  run: async (files) => {
    try {
      const links = await batchCall("PUT", "/file/source", { uris: files.map((f) => f.path) }, files);
      if (!links?.length) return;
      await dialog({
        title: t("actions.directLinks"),
        body: [h("p.muted", null, t("actions.directLinkIntro")),
          h("ul.link-list", null, links.map((l) => linkRow(baseName(l.file_url), l.link)))],
        actions: [{ label: t("common.done"), primary: true, value: true }],
      });
    } catch (err) {
      toastError(err);
    }
  },
});
