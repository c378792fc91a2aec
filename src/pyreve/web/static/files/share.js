// Sharing in the file browser: "Share" on one's own files and folders, "Save to my files" for
// visitors of someone else's share, and the way back from a saved share to the link it came from.
import "../locales/share.js";
import "./share-save.js";
import { registerAction } from "./registry.js";
import { t } from "../core/i18n.js";
import { emit } from "../core/events.js";
import { openShareDialog } from "./share-dialog.js";
import { parentUri } from "../core/uri.js";

const SHARED_REDIRECT = "sys:shared_redirect";
const FOLDER = 1;

registerAction({
  id: "share",
  icon: "share",
  label: () => t("share.action"),
  order: 60,
  // Only one's own real files in "my": saved shortcuts to other people's shares cannot be shared again.
  when: (files, view) => files.length === 1 && view.fs === "my" && !view.isTrash
    && files[0].owned !== false && !files[0].metadata?.[SHARED_REDIRECT],
  run: async ([file], view) => {
    if (await openShareDialog(file)) emit("files-changed", { uri: view.uri });
  },
});

registerAction({
  id: "open-shared-link",
  icon: "link",
  label: () => t("share.goToLink"),
  order: 61,
  when: (files) => files.length === 1 && Boolean(files[0].metadata?.[SHARED_REDIRECT]),
  // A saved file points at itself inside the share; a file is shown in its folder there.
  run: ([file], view) => {
    const target = file.metadata[SHARED_REDIRECT];
    view.navigate(file.type === FOLDER ? target : parentUri(target));
  },
});
