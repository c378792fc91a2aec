// Lock conflicts (40073): which locks stand in the way, who holds them, and a force unlock for the owner.
// A WebDAV client or an editor that crashed leaves its lock behind until it expires; this clears it now.
import { del, ApiError } from "../core/api.js";
import { h, dialog, toast, registerErrorRemedy } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { parseUri } from "../core/uri.js";

const CODE_LOCK_CONFLICT = 40073, CODE_NOT_UNLOCKED = 40001;
const HOLDERS = { dav: "locks.byDav", upload: "locks.byUpload", viewer: "locks.byViewer" };

// Tokens are only revealed to the owner of the locked files: without them there is nothing to offer.
const unlockable = (err) => Array.isArray(err.data) ? err.data.filter((lock) => lock?.token) : [];

function shownPath(uri) {
  const parts = parseUri(uri);
  return parts ? "/" + parts.elements.join("/") : uri;
}

// A WebDAV client names itself in its lock's <owner> element (a user name or a URL): it tells holders apart.
function davOwner(lock) {
  const xml = lock.owner?.application?.owner;
  if (typeof xml !== "string" || !xml) return "";
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  return doc.querySelector("parsererror") ? "" : doc.documentElement.textContent.trim();
}

/** Who holds a lock: the kind of program, the name a WebDAV client gave, and whether the lock is shared. */
function holder(lock) {
  const owner = davOwner(lock);
  return [t(HOLDERS[lock.owner?.application?.type] || "locks.byOther"), owner ? ` (${owner})` : null,
    lock.shared ? ` · ${t("locks.shared")}` : null];
}

async function forceUnlock(locks) {
  try {
    await del("/file/lock", { tokens: locks.map((lock) => lock.token) });
  } catch (err) {
    // Already released or expired: the way is clear all the same.
    if (!(err instanceof ApiError && err.code === CODE_NOT_UNLOCKED)) throw err;
  }
}

function showLocks(err) {
  const locks = unlockable(err);
  return dialog({
    title: t("locks.title"),
    body: [h("p.muted", null, t("locks.intro")),
      h("ul.lock-list", null, locks.map((lock) => h("li.lock-row", null,
        h("span.lock-path", null, shownPath(lock.path)),
        h("span.muted", null, holder(lock)))))],
    actions: [
      { label: t("common.cancel") },
      { label: t("locks.forceUnlock"), primary: true, danger: true, run: async (close) => {
        await forceUnlock(locks);
        toast(t("locks.unlocked"));
        close(true);
      } },
    ],
  }).then((done) => { if (!done) throw new DOMException("dismissed", "AbortError"); });
}

registerErrorRemedy({
  applies: (err) => err instanceof ApiError && err.code === CODE_LOCK_CONFLICT && unlockable(err).length > 0,
  label: () => t("locks.show"),
  run: showLocks,
});
