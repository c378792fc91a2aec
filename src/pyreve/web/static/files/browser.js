// The file browser: lists a folder (or search results) of any file system, with breadcrumbs, list, grid
// and gallery layouts, sorting, saved view settings, selection, menus built from the feature registry,
// and paging on scroll. Features plug in through files/registry.js; this module only browses.
import { h, icon, iconButton, openMenu, toastError, errorMessage, append, clear } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { get, api } from "../core/api.js";
import { on, emit } from "../core/events.js";
import { navigate } from "../core/router.js";
import { register as registerShortcut } from "../core/shortcuts.js";
import { parseUri, buildUri, homeUrl, withoutQuery, parentUri, MY_ROOT } from "../core/uri.js";
import { actionsFor, defaultActionFor, creatorsFor, registeredActions, decorationsFor, folderToolsFor, DRAG_TYPE } from "./registry.js";
import { createListView, GALLERY_WIDTH } from "./list-view.js";
import { CAP, hasCapability, isFolder, isShortcut, fileIcon, canHaveThumbnail, folderOf, thumbnailUrl, forgetThumbnail } from "./browse-util.js";
import { advancedSearch } from "./advanced-search.js";
import { syncsViews, localView, storeLocalView } from "./local-views.js";
import { shownColumns, storedColumns, chooseColumns, columnTitle, columnOrder, columnClass, columnCell, gridTemplate,
  originalFolder, sizeText, RESTORE_PARENT } from "./columns.js";
import "../locales/browser.js";

const FETCH_SIZE = 500;
const DEFAULT_PAGE_SIZE = 100;
const ORDER_LABELS = { name: "browser.sort.name", size: "browser.sort.size", updated_at: "browser.sort.updated", created_at: "browser.sort.created" };
const CATEGORIES = ["image", "video", "audio", "document"];
const LAYOUTS = ["list", "grid", "gallery"];
const FS_ROOT_LABELS = { my: "nav.myFiles", trash: "nav.trash", shared_with_me: "nav.sharedWithMe", share: "browser.sharedFolder" };

/** Same folder? Compares file system, owner/share id and path; ignores search query and encoding. */
function sameFolder(a, b) {
  const x = parseUri(a);
  const y = parseUri(b);
  return !!x && !!y && x.fs === y.fs && x.id === y.id && x.elements.join("/") === y.elements.join("/");
}

function searchParams(uri) { return new URLSearchParams(parseUri(uri)?.query || ""); }

/**
 * Mount a browser into `host`. options: { uri, rootLabel? (name of the share's root) }.
 * Returns { view, show(uri), unmount() }.
 */
export function mountBrowser(host, { uri, rootLabel = "" }) {
  const state = {
    uri: "", folderUri: "", parsed: null, files: [], parent: null, capability: "", props: null,
    saved: null, layout: "grid", order: "", direction: "asc", nextToken: "", nextPage: 0, exhausted: true,
    loading: false, loadingMore: false, error: null, generation: 0, abort: null,
    selected: new Set(), anchor: -1, focus: -1, returnTo: "",
  };
  const cleanups = [];
  let savingView = Promise.resolve();
  const scrollMemory = new Map(); // folder URI -> scrollTop, for coming back

  // ---- the view handle that features receive ----
  const view = {
    get uri() { return state.folderUri; },
    get fs() { return state.parsed?.fs || "my"; },
    get parent() { return state.parent && state.parent.id ? state.parent : null; },
    get capability() { return state.capability; },
    get isSearch() { return !!state.parsed?.query; },
    get isShare() { return state.parsed?.fs === "share"; },
    get isTrash() { return state.parsed?.fs === "trash"; },
    get readOnly() { return !hasCapability(state.capability, CAP.create) || !state.parent?.owned; },
    files: () => state.files,
    reload: () => load({ keepScroll: true }),
    navigate: (target) => navigate(homeUrl(target)),
    select(names) {
      const wanted = new Set(names);
      state.selected = new Set(state.files.filter((f) => wanted.has(f.name)).map((f) => f.path));
      selectionChanged();
    },
    clearSelection() { state.selected.clear(); selectionChanged(); },
  };

  // ---- layout ----
  const crumbs = h("nav.fb-crumbs", { "aria-label": t("browser.breadcrumb") });
  const tools = h("div.fb-tools");
  const bar = h("div.fb-bar", null, crumbs, tools);
  const searchBar = h("div.fb-search", { hidden: true });
  const status = h("div.fb-status", { role: "status" });
  const list = createListView({
    label: t("browser.files"),
    header: listHeader,
    renderRow,
    onNearEnd: () => { if (!state.exhausted && !state.loadingMore && !state.loading) loadMore(); },
    onKeyDown: keyDown,
  });
  const root = h("section.fb", { "aria-label": t("browser.region") }, bar, searchBar, list.element, status);
  host.append(root);

  let bandJustEnded = false;
  list.element.addEventListener("click", (e) => {
    if (bandJustEnded) { bandJustEnded = false; return; }
    const row = e.target.closest("[role=row][data-index]");
    if (!row) { if (e.target === list.element || e.target.classList.contains("fb-body")) view.clearSelection(); return; }
    if (e.target.closest("a, button")) return;
    const index = Number(row.dataset.index);
    if (coarsePointer.matches && !e.ctrlKey && !e.metaKey && !e.shiftKey && !state.selected.size) { open(state.files[index]); return; }
    clickSelect(index, e);
  });
  list.element.addEventListener("dblclick", (e) => {
    const row = e.target.closest("[role=row][data-index]");
    if (row && !e.target.closest("a, button")) open(state.files[Number(row.dataset.index)]);
  });
  list.element.addEventListener("contextmenu", (e) => {
    const row = e.target.closest("[role=row][data-index]");
    e.preventDefault();
    if (!row) { view.clearSelection(); backgroundMenu(e); return; }
    const index = Number(row.dataset.index);
    if (!state.selected.has(state.files[index].path)) selectOnly(index);
    actionMenu(null, { x: e.clientX, y: e.clientY });
  });
  // Dragging the mouse from empty space draws a band; the entries it touches are selected (Ctrl or Shift adds
  // them to the selection there was).
  list.element.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 || e.pointerType !== "mouse" || e.target.closest("[role=row], [role=columnheader], button, a")) return;
    const start = list.rowsPoint(e.clientX, e.clientY);
    const kept = e.ctrlKey || e.metaKey || e.shiftKey ? new Set(state.selected) : new Set();
    let drawing = false;
    const move = (ev) => {
      const at = list.rowsPoint(ev.clientX, ev.clientY);
      if (!drawing && Math.hypot(at.x - start.x, at.y - start.y) < 5) return;
      drawing = true;
      const rect = { left: Math.min(start.x, at.x), right: Math.max(start.x, at.x), top: Math.min(start.y, at.y), bottom: Math.max(start.y, at.y) };
      list.showBand(rect);
      state.selected = new Set([...kept, ...list.indexesIn(rect).map((i) => state.files[i].path)]);
      selectionChanged();
    };
    const end = () => {
      list.element.removeEventListener("pointermove", move);
      list.element.removeEventListener("pointerup", end);
      list.element.removeEventListener("pointercancel", end);
      list.showBand(null);
      // The click that follows this release must not clear the selection just drawn.
      if (drawing) { bandJustEnded = true; setTimeout(() => { bandJustEnded = false; }); }
    };
    list.element.setPointerCapture(e.pointerId);
    list.element.addEventListener("pointermove", move);
    list.element.addEventListener("pointerup", end);
    list.element.addEventListener("pointercancel", end);
  });
  // Dragging an entry drags the selection (the entry alone when it is not selected); drag-move.js takes the drop.
  list.element.addEventListener("dragstart", (e) => {
    const row = e.target.closest?.("[role=row][data-index]");
    if (!row) return;
    const index = Number(row.dataset.index);
    if (!state.selected.has(state.files[index].path)) selectOnly(index);
    const dragged = selectedFiles().map(({ path, name, type }) => ({ path, name, type }));
    e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(dragged));
    e.dataTransfer.effectAllowed = "copyMove";
  });
  const coarsePointer = matchMedia("(pointer: coarse)");

  // ---- loading ----
  function requestQuery(extra = {}) {
    const query = { uri: state.uri, page_size: Math.min(FETCH_SIZE, state.props?.max_page_size || FETCH_SIZE), ...extra };
    if (state.order && !view.isSearch) { query.order_by = state.order; query.order_direction = state.direction; }
    return query;
  }

  async function load({ keepScroll = false } = {}) {
    state.abort?.abort();
    const abort = new AbortController();
    state.abort = abort;
    const generation = (state.generation += 1);
    state.loading = true;
    state.error = null;
    if (!keepScroll) { state.files = []; list.setItems([]); }
    list.element.setAttribute("aria-busy", "true");
    renderStatus();
    try {
      const data = await get("/file", requestQuery(), { signal: abort.signal });
      if (generation !== state.generation) return;
      accept(data, false);
      if (!keepScroll) { state.selected.clear(); state.anchor = -1; state.focus = -1; }
      else {
        const present = new Set(state.files.map((f) => f.path));
        state.selected = new Set([...state.selected].filter((p) => present.has(p)));
      }
      renderAll(keepScroll);
      if (!keepScroll) restorePosition();
    } catch (err) {
      if (err.name === "AbortError" || generation !== state.generation) return;
      state.error = err;
      state.files = [];
      list.setItems([]);
      renderTools();
    } finally {
      if (generation === state.generation) {
        state.loading = false;
        list.element.removeAttribute("aria-busy");
        renderStatus();
      }
    }
  }

  async function loadMore() {
    const generation = state.generation;
    state.loadingMore = true;
    renderStatus();
    try {
      const extra = state.nextToken ? { next_page_token: state.nextToken } : { page: state.nextPage };
      const data = await get("/file", requestQuery(extra), { signal: state.abort?.signal });
      if (generation !== state.generation) return;
      accept(data, true);
      list.extend(state.files, { total: knownTotal() });
    } catch (err) {
      if (generation === state.generation) { state.exhausted = true; toastError(err); }
    } finally {
      if (generation === state.generation) { state.loadingMore = false; renderStatus(); }
    }
  }

  function accept(data, more) {
    state.files = more ? state.files.concat(data.files || []) : data.files || [];
    const pagination = data.pagination || {};
    state.nextToken = pagination.next_token || "";
    if (pagination.is_cursor) state.exhausted = !state.nextToken;
    else {
      state.nextPage = (pagination.page || 0) + 1;
      state.exhausted = state.nextPage * (pagination.page_size || FETCH_SIZE) >= (pagination.total_items || 0);
    }
    if (more) return;
    state.parent = data.parent || null;
    state.capability = data.props?.capability || data.parent?.capability || "";
    state.props = data.props || null;
    state.saved = (syncsViews() ? data.view : localView(state.folderUri)) || state.saved;
    if (state.saved?.view) state.layout = LAYOUTS.includes(state.saved.view) ? state.saved.view : "grid";
    if (!state.order && state.saved?.order) { state.order = state.saved.order; state.direction = state.saved.order_direction || "asc"; }
  }

  function restorePosition() {
    const top = scrollMemory.get(state.uri);
    if (top) list.element.scrollTop = top;
    const index = state.returnTo ? state.files.findIndex((f) => f.name === state.returnTo && isFolder(f)) : -1;
    state.returnTo = "";
    if (index < 0) return;
    state.selected = new Set([state.files[index].path]);
    state.anchor = state.focus = index;
    list.reveal(index);
    selectionChanged();
  }

  function knownTotal() { return state.exhausted ? state.files.length : -1; }

  // ---- rendering ----
  // Uploads and moves may land in this folder, its subfolders and the folders above it (its breadcrumbs).
  function acceptsDrops() {
    return view.fs === "my" && !view.readOnly && !view.isSearch && hasCapability(state.capability, CAP.upload);
  }

  function renderAll(keepScroll) {
    renderCrumbs();
    renderTools();
    renderSearchBar();
    list.setGalleryWidth(state.saved?.gallery_width);
    columns = shownColumns(state.saved, view.isTrash);
    list.element.style.setProperty("--fb-columns", gridTemplate(columns));
    list.setLayout(state.layout);
    list.setItems(state.files, { keepScroll, total: knownTotal() });
    if (acceptsDrops()) root.dataset.dropUri = state.folderUri; else delete root.dataset.dropUri;
    const here = state.parsed.elements.at(-1) || rootName();
    document.title = view.isSearch ? t("browser.searchTitle") : here;
  }

  function rootName() {
    const fs = state.parsed?.fs || "my";
    return fs === "share" && rootLabel ? rootLabel : t(FS_ROOT_LABELS[fs] || "nav.myFiles");
  }

  function renderCrumbs() {
    const p = state.parsed;
    const links = [{ label: rootName(), uri: buildUri({ ...p, query: "", elements: [] }) }];
    p.elements.forEach((name, i) => links.push({ label: name, uri: buildUri({ ...p, query: "", elements: p.elements.slice(0, i + 1) }) }));
    if (view.isSearch) links.push({ label: t("browser.searchResults"), uri: state.uri });
    crumbs.replaceChildren(h("ol", null, links.map((link, i) => {
      const last = i === links.length - 1;
      return h("li", null,
        // The folder shown is the page's heading, except on a share page (whose heading is the share's name).
        last ? h(view.isShare ? "span.fb-crumb" : "h1.fb-crumb", { "aria-current": "page" }, link.label)
          : h("a.fb-crumb", { href: homeUrl(link.uri), "data-link": true, draggable: "false",
            dataset: acceptsDrops() ? { dropUri: link.uri } : {} }, link.label),
        last ? null : icon("chevron"));
    })));
  }

  function renderTools() {
    if (state.selected.size) { renderSelectionTools(); return; }
    const children = [];
    const creators = canCreate() ? creatorsFor(view) : [];
    if (creators.length) {
      children.push(h("button.primary.fb-new", { type: "button", onclick: (e) => openMenu(e.currentTarget, creators.map((c) => ({
        label: typeof c.label === "function" ? c.label() : c.label, icon: c.icon, run: () => c.run(view),
      }))) }, icon("add"), h("span", null, t("browser.new"))));
    }
    if (!state.error) {
      children.push(...folderToolsFor(view).map((tool) => h("button.fb-tool", { type: "button", onclick: () => tool.run(view) },
        icon(tool.icon), h("span", null, typeof tool.label === "function" ? tool.label() : tool.label))));
    }
    const orders = state.props?.order_by_options;
    if (orders?.length && !view.isSearch) {
      children.push(iconButton("sort", t("browser.sort"), (e) => sortMenu(e.currentTarget)));
    }
    if (state.layout === "gallery") {
      const width = state.saved?.gallery_width || GALLERY_WIDTH.initial;
      children.push(h("input.fb-zoom", { type: "range", min: GALLERY_WIDTH.min, max: GALLERY_WIDTH.max, step: 10, value: width,
        "aria-label": t("browser.pictureSize"),
        oninput: (e) => list.setGalleryWidth(e.target.value),
        onchange: (e) => saveView({ gallery_width: Number(e.target.value) }) }));
    }
    children.push(h("div.fb-layouts", { role: "group", "aria-label": t("browser.layout") },
      [["list", "list", "browser.listView"], ["grid", "grid", "browser.gridView"], ["gallery", "image", "browser.galleryView"]]
        .map(([layout, iconName, label]) => iconButton(iconName, t(label), () => setLayout(layout),
          { "aria-pressed": String(state.layout === layout) }))));
    children.push(iconButton("refresh", t("browser.refresh"), () => load({ keepScroll: true })));
    tools.replaceChildren(...children);
  }

  function renderSelectionTools() {
    const files = selectedFiles();
    const actions = actionsFor(files, view);
    append(clear(tools), [
      iconButton("close", t("browser.clearSelection"), () => view.clearSelection()),
      h("span.fb-count", { "aria-live": "polite" }, t("browser.selected", { n: files.length })),
      actions.filter((a) => a.toolbar).map((a) => iconButton(a.icon, actionLabel(a), () => runAction(a, files),
        a.danger ? { class: "danger" } : {})),
      actions.length ? iconButton("more", t("browser.moreActions"), (e) => actionMenu(e.currentTarget)) : null]);
  }

  function renderSearchBar() {
    const params = searchParams(state.uri);
    searchBar.hidden = !view.isSearch && !(state.parsed.fs === "my" && !state.parsed.elements.length);
    if (searchBar.hidden) return;
    const category = params.get("category");
    const name = params.getAll("name").join(" ");
    const base = buildUri({ ...state.parsed, query: "" });
    const chip = (cat) => h("button.fb-chip", {
      type: "button", "aria-pressed": String(category === cat),
      onclick: () => view.navigate(category === cat ? base : `${base}?${new URLSearchParams({ category: cat })}`),
    }, t(`browser.category.${cat}`));
    const title = view.isSearch ? [h("h2.fb-search-title", null,
      name ? t("browser.resultsFor", { q: name }) : t("browser.searchResults"))] : [];
    const refine = view.isSearch && state.parsed.fs === "my" && !category
      ? h("button.text", { type: "button", onclick: () => advancedSearch(state.uri) }, t("search.refine")) : null;
    // append() skips the missing "refine" button; replaceChildren() would print it as the text "null".
    append(clear(searchBar), [title,
      h("div.fb-chips", { role: "group", "aria-label": t("browser.typeFilter") }, CATEGORIES.map(chip)), refine]);
  }

  function renderStatus() {
    status.replaceChildren();
    status.className = "fb-status";
    if (state.loading && !state.files.length) {
      status.append(h("div.fb-spinner", { "aria-hidden": "true" }), h("span", null, t("common.loading")));
      status.classList.add("fb-overlay");
    } else if (state.error) {
      status.classList.add("fb-overlay", "fb-error");
      append(status, [icon("info"), h("p", null, errorMessage(state.error)),
        h("div.fb-error-actions", null,
          h("button", { type: "button", onclick: () => load() }, t("common.retry")),
          state.parsed?.fs === "my" && state.parsed.elements.length ? h("a", { href: homeUrl(MY_ROOT), "data-link": true }, t("browser.backHome")) : null)]);
    } else if (!state.loading && !state.files.length) {
      status.classList.add("fb-overlay", "fb-empty");
      const [key, iconName] = view.isSearch ? ["browser.noResults", "search"] : view.isTrash ? ["browser.trashEmpty", "trash"]
        : view.fs === "shared_with_me" ? ["browser.nothingShared", "share"] : ["browser.empty", "folder"];
      append(status, [icon(iconName), h("p", null, t(key)),
        !view.readOnly && !view.isSearch ? h("p.muted", null, t("browser.emptyHint")) : null]);
    } else if (state.loadingMore) {
      status.classList.add("fb-more");
      status.append(h("div.fb-spinner", { "aria-hidden": "true" }), h("span", null, t("browser.loadingMore")));
    }
  }

  let columns = shownColumns(null, view.isTrash);  // of the list layout, for the folder on show
  const showsColumn = (type) => state.layout === "list" && columns.some((c) => c.type === type);

  function listHeader() {
    const column = (key, cls, label) => {
      const active = state.order === key;
      const sortable = !!key && !!state.props?.order_by_options?.includes(key) && !view.isSearch;
      const sortState = active ? (state.direction === "desc" ? "descending" : "ascending") : "none";
      return h(`div.fb-cell.${cls}`, { role: "columnheader", "aria-sort": sortable ? sortState : null },
        sortable ? h("button.fb-sort", { type: "button", onclick: () => setOrder(key, active && state.direction === "asc" ? "desc" : "asc") },
          label, active ? h("span.fb-sort-dir", { "aria-hidden": "true" }, state.direction === "desc" ? "↓" : "↑") : null) : label);
    };
    return h("div.fb-row.fb-header", { role: "row" },
      column("name", "fb-name", t("browser.sort.name")),
      columns.slice(1).map((c) => column(columnOrder(c), columnClass(c), columnTitle(c))),
      h("div.fb-cell.fb-actions", { role: "columnheader" }, h("span.visually-hidden", null, t("browser.actions")),
        iconButton("tune", t("columns.title"), pickColumns, { class: "fb-columns-button" })));
  }

  async function pickColumns() {
    const picked = await chooseColumns(storedColumns(state.saved, view.isTrash), view.isTrash);
    if (!picked) return;
    saveView({ columns: picked });
    renderAll(true);
  }

  // The colour a person chose for this entry's icon (metadata customize:icon_color).
  function iconColor(file) {
    const color = file.metadata?.["customize:icon_color"];
    return color ? { color } : undefined;
  }

  function renderRow(file, index) {
    const selected = state.selected.has(file.path);
    const focused = index === state.focus;
    const nameCell = h("div.fb-cell.fb-name", { role: "gridcell" },
      h("span.fb-icon", { "data-type": fileIcon(file), style: iconColor(file) }, icon(fileIcon(file))),
      h("span.fb-label", null, h("span.fb-filename", { title: file.name }, file.name),
        view.isSearch ? h("a.fb-where", { href: homeUrl(folderOf(file)), "data-link": true }, whereLabel(file)) : null,
        view.isTrash && file.metadata?.["sys:restore_uri"] && !showsColumn(RESTORE_PARENT)
          ? h("span.fb-where", null, t("browser.trashedFrom", { where: originalFolder(file) })) : null,
        decorationsFor(file, view)));
    const movable = acceptsDrops() && file.owned !== false;
    const dataset = { name: file.name, index: String(index) };
    if (movable && isFolder(file)) dataset.dropUri = file.path;
    const row = h("div.fb-row", {
      role: "row", "aria-selected": String(selected), dataset, draggable: movable ? "true" : "false",
      class: [selected ? "selected" : "", focused ? "focused" : "", isFolder(file) ? "folder" : "file"].filter(Boolean).join(" "),
    },
    nameCell,
    // The list shows the chosen columns; tiles and pictures show the size at most.
    state.layout === "list"
      ? columns.slice(1).map((c) => h(`div.fb-cell.${columnClass(c)}`, { role: "gridcell" }, columnCell(c, file)))
      : h("div.fb-cell.fb-size", { role: "gridcell" }, sizeText(file)),
    h("div.fb-cell.fb-actions", { role: "gridcell" },
      iconButton("more", t("browser.moreFor", { name: file.name }), (e) => {
        if (!state.selected.has(file.path)) selectOnly(index);
        actionMenu(e.currentTarget);
      }, { tabindex: "-1" })));
    if (state.layout !== "list" && state.saved?.thumbnail !== false && canHaveThumbnail(file, state.capability)) {
      const slot = row.querySelector(".fb-icon");
      thumbnailUrl(file).then((url) => {
        if (!url || !row.isConnected) return;
        // A signed URL that expired or broke: back to the icon, and a fresh URL next time.
        const fallback = () => { forgetThumbnail(file); slot.classList.remove("has-thumb"); slot.replaceChildren(icon(fileIcon(file))); };
        slot.replaceChildren(h("img.fb-thumb", { src: url, alt: "", loading: "lazy", decoding: "async", draggable: "false", onerror: fallback }));
        slot.classList.add("has-thumb");
      });
    }
    return row;
  }

  function whereLabel(file) {
    const p = parseUri(folderOf(file));
    return p?.elements.length ? "/" + p.elements.join("/") : rootName();
  }

  // ---- selection ----
  function selectedFiles() { return state.files.filter((f) => state.selected.has(f.path)); }

  function selectionChanged() {
    for (const row of list.renderedRows()) {
      const index = Number(row.dataset.index);
      const file = state.files[index];
      const selected = !!file && state.selected.has(file.path);
      row.setAttribute("aria-selected", String(selected));
      row.classList.toggle("selected", selected);
      row.classList.toggle("focused", index === state.focus);
    }
    if (state.focus >= 0) list.element.setAttribute("aria-activedescendant", list.rowId(state.focus));
    else list.element.removeAttribute("aria-activedescendant");
    renderTools();
  }

  function selectOnly(index) {
    state.selected = new Set([state.files[index].path]);
    state.anchor = state.focus = index;
    selectionChanged();
  }

  function selectRange(from, to, additive) {
    const [a, b] = from <= to ? [from, to] : [to, from];
    if (!additive) state.selected.clear();
    for (let i = a; i <= b; i += 1) state.selected.add(state.files[i].path);
  }

  function clickSelect(index, e) {
    const path = state.files[index].path;
    if (e.shiftKey && state.anchor >= 0) {
      selectRange(state.anchor, index, e.ctrlKey || e.metaKey);
      state.focus = index;
    } else if (e.ctrlKey || e.metaKey) {
      if (state.selected.has(path)) state.selected.delete(path); else state.selected.add(path);
      state.anchor = state.focus = index;
    } else {
      selectOnly(index);
      return;
    }
    selectionChanged();
  }

  function selectAll() {
    state.selected = new Set(state.files.map((f) => f.path));
    selectionChanged();
  }

  function keyDown(e) {
    if (e.target !== list.element || !state.files.length) return;
    const cols = list.columns();
    const last = state.files.length - 1;
    const current = state.focus;
    const moves = {
      ArrowDown: current + cols, ArrowUp: current - cols, Home: 0, End: last,
      PageDown: current + cols * list.pageLines(), PageUp: current - cols * list.pageLines(),
    };
    if (state.layout !== "list") { moves.ArrowRight = current + 1; moves.ArrowLeft = current - 1; }
    if (e.key in moves) {
      e.preventDefault();
      const target = current < 0 ? 0 : Math.max(0, Math.min(last, moves[e.key]));
      if (e.shiftKey) {
        if (state.anchor < 0) state.anchor = Math.max(current, 0);
        selectRange(state.anchor, target, false);
        state.focus = target;
      } else if (e.ctrlKey || e.metaKey) {
        state.focus = target;
      } else {
        state.selected = new Set([state.files[target].path]);
        state.anchor = state.focus = target;
      }
      list.reveal(target);
      selectionChanged();
    } else if (e.key === "Enter" && current >= 0) {
      e.preventDefault();
      open(state.files[current]);
    } else if (e.key === " " && current >= 0) {
      e.preventDefault();
      const path = state.files[current].path;
      if (state.selected.has(path)) state.selected.delete(path); else state.selected.add(path);
      state.anchor = current;
      selectionChanged();
    } else if (e.key === "ContextMenu" || (e.shiftKey && e.key === "F10")) {
      e.preventDefault();
      const row = list.renderedRows().find((r) => Number(r.dataset.index) === current);
      if (state.selected.size) actionMenu(row?.querySelector(".fb-actions button") || list.element);
    }
  }
  list.element.addEventListener("focus", () => {
    if (state.focus < 0 && state.files.length) { state.focus = 0; selectionChanged(); }
  });

  // ---- actions and menus ----
  const actionLabel = (a) => (typeof a.label === "function" ? a.label() : a.label);

  async function runAction(action, files) {
    try { await action.run(files, view); } catch (err) { toastError(err); }
  }

  function actionMenu(anchor, position) {
    const files = selectedFiles();
    const actions = actionsFor(files, view);
    if (!actions.length) return;
    openMenu(anchor, actions.map((a) => ({
      label: actionLabel(a), icon: a.icon, danger: a.danger, shortcut: a.shortcut, run: () => runAction(a, files),
    })), position);
  }

  function canCreate() { return !view.isSearch && !view.readOnly && !state.error; }

  function backgroundMenu(e) {
    const creators = canCreate() ? creatorsFor(view) : [];
    const items = creators.map((c) => ({ label: typeof c.label === "function" ? c.label() : c.label, icon: c.icon, run: () => c.run(view) }));
    items.push(...(items.length ? ["-"] : []), { label: t("browser.refresh"), icon: "refresh", run: () => load({ keepScroll: true }) });
    openMenu(null, items, { x: e.clientX, y: e.clientY });
  }

  function sortMenu(anchor) {
    const options = state.props?.order_by_options || [];
    const directions = state.props?.order_direction_options || ["asc", "desc"];
    openMenu(anchor, [
      ...options.map((key) => ({ label: t(ORDER_LABELS[key] || key), icon: state.order === key ? "check" : null, run: () => setOrder(key, state.direction) })),
      "-",
      ...directions.map((dir) => ({ label: t(`browser.sort.${dir}`), icon: state.direction === dir ? "check" : null, run: () => setOrder(state.order || "name", dir) })),
    ]);
  }

  function open(file) {
    if (!file) return;
    if (isShortcut(file)) {
      // A saved shared file points at the file itself: show the shared folder that holds it.
      const target = file.metadata["sys:shared_redirect"];
      view.navigate(isFolder(file) ? target : parentUri(target));
      return;
    }
    if (isFolder(file)) {
      if (hasCapability(state.capability, CAP.enter) || view.isSearch) view.navigate(file.path);
      return;
    }
    const action = defaultActionFor(file, view);
    if (action) runAction(action, [file]);
  }

  // ---- view settings ----
  function canSaveView() {
    if (view.isSearch) return false;
    const fs = state.parsed.fs;
    if ((fs === "trash" || fs === "shared_with_me") && !state.parsed.elements.length) return true;
    return hasCapability(state.capability, CAP.modifyProps) && !!state.parent?.owned;
  }

  /** Store the folder's view: the layout and order shown, and `changes` (other members of the view). */
  function saveView(changes = {}) {
    if (view.isSearch) return;
    const pageSize = Math.max(50, state.saved?.page_size || DEFAULT_PAGE_SIZE);
    const next = { ...(state.saved || {}), ...changes, page_size: pageSize, view: state.layout };
    if (state.order) { next.order = state.order; next.order_direction = state.direction; }
    state.saved = next;
    if (!syncsViews()) { storeLocalView(state.folderUri, next); return; }
    if (!canSaveView()) return;
    // One save at a time, in order: the last choice is the one stored.
    const body = { uri: state.folderUri, view: next };
    savingView = savingView.then(() => api("PATCH", "/file/view", { body })).catch(toastError);
  }

  function setLayout(layout) {
    if (state.layout === layout) return;
    state.layout = layout;
    list.setLayout(layout);
    renderTools();
    saveView();
  }

  function setOrder(order, direction) {
    state.order = order;
    state.direction = direction;
    saveView();
    load();
  }

  // ---- keyboard shortcuts and app events ----
  function bindShortcuts() {
    const keys = new Set(registeredActions().map((a) => a.shortcut).filter(Boolean));
    const unbind = [...keys].map((key) => registerShortcut(key, () => {
      const files = selectedFiles();
      const action = actionsFor(files, view).find((a) => a.shortcut === key);
      if (!action) return false;
      runAction(action, files);
      return true;
    }));
    unbind.push(
      registerShortcut("ctrl+a", () => { if (!state.files.length) return false; selectAll(); return true; }),
      registerShortcut("Escape", (e) => {
        // Escape that closes a menu or a dialog is theirs: the selection stays.
        if (!state.selected.size || e.target.closest?.(".menu") || document.querySelector("dialog[open]")) return false;
        view.clearSelection();
        return true;
      }));
    return () => unbind.forEach((off) => off());
  }
  let unbindShortcuts = bindShortcuts();

  cleanups.push(on("files-changed", (detail) => {
    emit("capacity-changed");
    if (!detail?.uri || view.isSearch || sameFolder(detail.uri, state.folderUri)) load({ keepScroll: true });
  }));

  function show(next) {
    // Coming back to a folder: where it was scrolled to, and the subfolder just left, selected.
    if (state.uri) scrollMemory.set(state.uri, list.element.scrollTop);
    const previous = parseUri(state.folderUri);
    const wentUp = previous?.elements.length && !parseUri(next)?.query
      && sameFolder(buildUri({ ...previous, elements: previous.elements.slice(0, -1) }), next);
    state.returnTo = wentUp ? previous.elements.at(-1) : "";
    state.uri = next;
    state.folderUri = withoutQuery(next);
    state.parsed = parseUri(next);
    // Each folder shows its own saved view.
    state.order = "";
    state.saved = null;
    unbindShortcuts();
    unbindShortcuts = bindShortcuts();
    renderCrumbs();
    load();
  }

  show(uri);
  return {
    view,
    show,
    unmount() {
      state.abort?.abort();
      unbindShortcuts();
      cleanups.forEach((off) => off());
      list.destroy();
      root.remove();
    },
  };
}
