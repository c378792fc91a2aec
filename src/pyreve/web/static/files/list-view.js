// A virtualised file list: only the rows in (and just around) the viewport exist in the DOM, so a
// folder of 10,000 entries scrolls as smoothly as one of ten. Three layouts share the code: "list"
// (one entry per line, with a column header), "grid" (tiles, several per line) and "gallery" (square
// pictures of a chosen width, stretched to fill the line).
import { h } from "../core/dom.js";

const OVERSCAN_LINES = 6;
const LIST_LINE_HEIGHT = 44;
const GRID_TILE_MIN_WIDTH = 168;
const GRID_LINE_HEIGHT = 208;
export const GALLERY_WIDTH = { min: 80, max: 400, initial: 200 };
let instances = 0;

/**
 * options: { label, header: () => Node|null (list layout only), renderRow(file, index) -> Element,
 *            onNearEnd(), onKeyDown(event) }
 */
export function createListView({ label, header, renderRow, onNearEnd, onKeyDown }) {
  const idPrefix = `fb${(instances += 1)}`;
  const body = h("div.fb-body", { role: "rowgroup" });
  const band = h("div.fb-band", { "aria-hidden": "true" });
  const headerHost = h("div.fb-head", { role: "rowgroup" });
  const grid = h("div.fb-grid", { role: "grid", "aria-label": label, "aria-multiselectable": "true", tabindex: "0" },
    headerHost, body);
  let items = [];
  let layout = "list";
  let rendered = new Map(); // index -> row element
  let columns = 1;
  let lineHeight = LIST_LINE_HEIGHT;
  let galleryWidth = GALLERY_WIDTH.initial;
  let frame = 0;

  function measure() {
    const width = body.clientWidth || grid.clientWidth;
    if (layout === "gallery") {
      // At least two pictures a line where two fit at the smallest size (a phone), whatever the chosen size.
      columns = Math.max(width >= 2 * GALLERY_WIDTH.min ? 2 : 1, Math.floor(width / galleryWidth));
      lineHeight = Math.max(GALLERY_WIDTH.min / 2, Math.floor(width / columns) || galleryWidth);  // square cells
    } else {
      columns = layout === "grid" ? Math.max(1, Math.floor(width / GRID_TILE_MIN_WIDTH)) : 1;
      lineHeight = layout === "grid" ? GRID_LINE_HEIGHT : LIST_LINE_HEIGHT;
    }
    body.style.height = `${Math.ceil(items.length / columns) * lineHeight}px`;
  }

  function visibleRange() {
    const top = grid.scrollTop - body.offsetTop;
    const first = Math.max(0, Math.floor(top / lineHeight) - OVERSCAN_LINES);
    const last = Math.ceil((top + grid.clientHeight) / lineHeight) + OVERSCAN_LINES;
    return [first * columns, Math.min(items.length, last * columns)];
  }

  function place(row, index) {
    const line = Math.floor(index / columns);
    const col = index % columns;
    row.style.transform = `translate(${(col * 100)}%, ${line * lineHeight}px)`;
    row.style.width = `${100 / columns}%`;
    if (layout === "gallery") row.style.height = `${lineHeight}px`;
  }

  function paint() {
    frame = 0;
    const [start, end] = visibleRange();
    for (const [index, row] of rendered) {
      if (index < start || index >= end) { row.remove(); rendered.delete(index); }
    }
    const fresh = [];
    for (let i = start; i < end; i += 1) {
      if (rendered.has(i)) continue;
      const row = renderRow(items[i], i);
      row.id = `${idPrefix}-${i}`;
      row.setAttribute("aria-rowindex", String(i + 2));
      place(row, i);
      rendered.set(i, row);
      fresh.push(row);
    }
    if (fresh.length) body.append(...fresh);
    if (end >= items.length - columns * 20) onNearEnd?.();
  }

  function schedule() { if (!frame) frame = requestAnimationFrame(paint); }

  grid.addEventListener("scroll", schedule, { passive: true });
  grid.addEventListener("keydown", (e) => onKeyDown?.(e));
  const resize = new ResizeObserver(() => {
    const before = [columns, lineHeight];
    measure();
    if (before[0] !== columns || before[1] !== lineHeight) rerender(); else schedule();
  });
  resize.observe(grid);

  function rerender() {
    for (const row of rendered.values()) row.remove();
    rendered = new Map();
    measure();
    paint();
  }

  return {
    element: grid,
    /** Replace the entries (keepScroll: the same folder reloaded). `total`: -1 while more may come. */
    setItems(next, { keepScroll = false, total = next.length } = {}) {
      items = next;
      if (!keepScroll) grid.scrollTop = 0;
      headerHost.replaceChildren(...(layout === "list" && header ? [header()] : []));
      grid.setAttribute("aria-rowcount", String(total < 0 ? -1 : total + 1));
      rerender();
    },
    /** More entries were appended: the rows already shown stay as they are. */
    extend(next, { total = next.length } = {}) {
      items = next;
      grid.setAttribute("aria-rowcount", String(total < 0 ? -1 : total + 1));
      measure();
      paint();
    },
    setLayout(next) {
      if (layout === next) return;
      layout = next;
      grid.classList.toggle("fb-tiles", layout === "grid");
      grid.classList.toggle("fb-gallery", layout === "gallery");
      headerHost.replaceChildren(...(layout === "list" && header ? [header()] : []));
      rerender();
    },
    /** The gallery's picture width in CSS pixels (the cells stretch to fill each line). */
    setGalleryWidth(width) {
      galleryWidth = Math.max(GALLERY_WIDTH.min, Math.min(GALLERY_WIDTH.max, Number(width) || GALLERY_WIDTH.initial));
      if (layout === "gallery") rerender();
    },
    rowId: (index) => `${idPrefix}-${index}`,
    renderedRows: () => [...rendered.values()],
    columns: () => columns,
    pageLines: () => Math.max(1, Math.floor(grid.clientHeight / lineHeight) - 1),
    /** Scroll just enough to show entry `index`. */
    reveal(index) {
      const line = Math.floor(index / columns);
      const top = body.offsetTop + line * lineHeight;
      const headerHeight = headerHost.offsetHeight;
      if (top - headerHeight < grid.scrollTop) grid.scrollTop = top - headerHeight;
      else if (top + lineHeight > grid.scrollTop + grid.clientHeight) grid.scrollTop = top + lineHeight - grid.clientHeight;
      paint();
    },
    /** A point of the viewport in the coordinates of the rows (which scroll with the list). */
    rowsPoint(clientX, clientY) {
      const origin = body.getBoundingClientRect();
      return { x: clientX - origin.left, y: clientY - origin.top };
    },
    /** Entries whose cells a rectangle in rows coordinates touches; computed, as most rows are not in the DOM. */
    indexesIn({ left, top, right, bottom }) {
      const cellWidth = (body.clientWidth || 1) / columns;
      const firstLine = Math.max(0, Math.floor(top / lineHeight));
      const lastLine = Math.min(Math.ceil(items.length / columns) - 1, Math.floor(bottom / lineHeight));
      const firstCol = Math.max(0, Math.floor(left / cellWidth));
      const lastCol = Math.min(columns - 1, Math.floor(right / cellWidth));
      const found = [];
      for (let line = firstLine; line <= lastLine; line += 1) {
        for (let col = firstCol; col <= lastCol; col += 1) {
          if (line * columns + col < items.length) found.push(line * columns + col);
        }
      }
      return found;
    },
    /** Draw the selection band (rows coordinates), or remove it with null. */
    showBand(rect) {
      if (!rect) { band.remove(); return; }
      Object.assign(band.style, { left: `${rect.left}px`, top: `${rect.top}px`,
        width: `${rect.right - rect.left}px`, height: `${rect.bottom - rect.top}px` });
      if (!band.isConnected) body.append(band);
    },
    destroy() { resize.disconnect(); if (frame) cancelAnimationFrame(frame); },
  };
}
