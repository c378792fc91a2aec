// The trash view's actions: restore, delete forever, and empty the whole trash.
import { del } from "../core/api.js";
import { emit } from "../core/events.js";
import { confirmDialog, toast, toastError } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { TRASH_ROOT, MY_ROOT } from "../core/uri.js";
import { registerAction, registerFolderTool } from "./registry.js";
import { batchCall, single } from "./actions-util.js";

registerAction({
  id: "restore", icon: "restore", label: () => t("actions.restore"), order: 10, toolbar: true,
  when: (files, view) => view.isTrash,
  run: async (files) => {
    try {
      await batchCall("POST", "/file/restore", { uris: files.map((f) => f.path) }, files);
      emit("files-changed", { uri: TRASH_ROOT });
      emit("files-changed", { uri: MY_ROOT });
      toast(t("actions.restored"), "success");
    } catch (err) {
      toastError(err);
    }
  },
});

registerAction({
  id: "delete-forever", icon: "delete", label: () => t("actions.deleteForever"), order: 90, shortcut: "Delete",
  toolbar: true, danger: true,
  when: (files, view) => view.isTrash,
  run: async (files) => {
    const message = single(files)
      ? t("actions.deleteForeverConfirm", { name: files[0].name })
      : t("actions.deleteForeverConfirmMany", { n: files.length });
    if (!await confirmDialog(t("actions.deleteForever"), message, { confirmLabel: t("actions.deleteForever"), danger: true })) return;
    try {
      await batchCall("DELETE", "/file", { uris: files.map((f) => f.path), skip_soft_delete: true }, files);
      emit("files-changed", { uri: TRASH_ROOT });
      emit("capacity-changed");
      toast(t("actions.deleted"), "success");
    } catch (err) {
      toastError(err);
    }
  },
});

registerFolderTool({
  id: "empty-trash", icon: "delete", label: () => t("actions.emptyTrash"),
  when: (view) => view.isTrash && view.files().length > 0,
  run: async () => {
    if (!await confirmDialog(t("actions.emptyTrash"), t("actions.emptyTrashConfirm"), { confirmLabel: t("actions.emptyTrash"), danger: true })) return;
    try {
      await del("/file/trash");
      emit("files-changed", { uri: TRASH_ROOT });
      emit("capacity-changed");
      toast(t("actions.trashEmptied"), "success");
    } catch (err) {
      toastError(err);
    }
  },
});
