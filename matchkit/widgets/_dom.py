"""What only the page can do: keys pressed on a grid, the row clicked in it, a grid painted
without a copy a cell, a title scrolled into view.

ipywidgets has no key events, no scrolling and (for ipydatagrid's streaming grid) no working
cell click: its click handler fails in the page before it sends anything (ipydatagrid issue
#561, open). Two small anywidget modules fill the gap. Each is an invisible widget placed
inside the view it serves and finds its way by the ``mk-...`` classes every view already has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets as w
import traitlets as t

__all__ = ["GridEvents", "ScrollTo"]

_GRID_ESM = """
// Lumino's DataGrid paints each cell into an off-screen buffer and copies that cell to the
// screen at once: a drawImage per cell. Without a GPU (headless Chromium, a remote desktop)
// each copy costs about as much as copying the whole buffer, and a screenful of ~200 cells
// took 0.3-0.6 s to paint (0.01-0.05 s this way). Here the copies of one paint are made once,
// as the rectangle the cells cover, after they are all in the buffer: the same pixels. Only
// the buffer-to-screen copies of _drawCells are gathered; any other copy goes through. Left
// alone (false) when this Lumino has other internals.
const batchBlits = (dg) => {
  if (!dg || typeof dg._drawCells !== "function" || typeof dg._blitContent !== "function")
    return false;
  if (dg.__mkBatched) return true;
  const draw = dg._drawCells, blit = dg._blitContent;
  dg._drawCells = function (rgn) {
    let box = null;
    this._blitContent = (src, x, y, w, h, dx, dy) => {
      if (src !== this._buffer || x !== dx || y !== dy)
        return blit.call(this, src, x, y, w, h, dx, dy);
      box = box === null ? [x, y, x + w, y + h]
        : [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x + w),
           Math.max(box[3], y + h)];
    };
    try {
      draw.call(this, rgn);
    } finally {
      this._blitContent = blit;
    }
    if (box !== null)
      blit.call(this, this._buffer, box[0], box[1], box[2] - box[0], box[3] - box[1],
                box[0], box[1]);
  };
  dg.__mkBatched = true;
  dg.node.dataset.mkBlits = "batched";  // for the browser test: the copies are gathered
  return true;
};

export default {
  async render({ model, el }) {
    el.style.display = "none";
    const ref = model.get("grid");
    const grid = await model.widget_manager.get_model(ref.slice("IPY_MODEL_".length));
    const gridClass = "." + model.get("grid_class");
    const onGrid = (e) => e.target instanceof Element && e.target.closest(gridClass);
    const onKey = (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || !onGrid(e)) return;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if (!model.get("taken").includes(key)) return;
      // Ours alone: not the grid's, not JupyterLab's ("a" would insert a cell).
      e.preventDefault();
      e.stopPropagation();
      model.send({ event: "key", key });
    };
    const first = (sel) => (sel && sel.length ? sel[0].r1 : null);
    const views = () => Object.values(grid.views || {}).map((v) => Promise.resolve(v));
    // The row's key as this page draws it (its row header), so the kernel acts on the row
    // the person saw even if its own order moved on meanwhile; null while not drawn.
    const keyOf = async (row) => {
      for (const view of views()) {
        const data = (await view)?.grid?.grid?.dataModel;
        const key = data ? data.data("row-header", row, 0) : null;
        if (key !== null && key !== undefined && key !== "...") return String(key);
      }
      return null;
    };
    // The row under the pointer, asked of the grid itself (Lumino's hitTest). Not the
    // grid's selection: that reaches the model later, and not at all while the grid swaps
    // its data after a filter, so a click right after one went unanswered.
    const onDown = (e) => {
      if (e.button !== 0 || !onGrid(e)) return;
      for (const view of views()) {
        view.then(async (v) => {
          const dg = v?.grid?.grid;
          if (!dg || !dg.node.contains(e.target)) return;
          const hit = dg.hitTest(e.clientX, e.clientY);
          if (hit.region !== "body" && hit.region !== "row-header") return;
          model.send({ event: "row", row: hit.row, key: await keyOf(hit.row) });
        });
      }
    };
    // A row the kernel moved to (keys j/k) is scrolled into sight, in each view of the grid
    // (ipydatagrid's view holds a FeatherGrid around a Lumino DataGrid).
    const follow = () => {
      const row = first(grid.get("selections"));
      if (row === null) return;
      for (const view of views()) view.then((v) => v?.grid?.grid?.scrollToRow?.(row));
    };
    grid.on("change:selections", follow);
    // Each view's Lumino DataGrid, once drawn, paints the way batchBlits says (views come
    // after this one at times: looked for each frame until all are there, ~5 s at most).
    let tries = 0, looking = 0;
    const speedUp = async () => {
      let all = 0, done = 0;
      for (const view of views()) {
        all += 1;
        if (batchBlits((await view)?.grid?.grid)) done += 1;
      }
      if ((all === 0 || done < all) && ++tries < 300) looking = requestAnimationFrame(speedUp);
    };
    speedUp();
    let scope = null, frame = 0;
    const attach = () => {
      scope = el.closest("." + model.get("scope_class"));
      if (!scope) { frame = requestAnimationFrame(attach); return; }
      scope.addEventListener("keydown", onKey, true);
      scope.addEventListener("mousedown", onDown, true);
    };
    attach();
    return () => {
      grid.off("change:selections", follow);
      cancelAnimationFrame(frame);
      cancelAnimationFrame(looking);
      if (scope) {
        scope.removeEventListener("keydown", onKey, true);
        scope.removeEventListener("mousedown", onDown, true);
      }
    };
  }
};
"""

_SCROLL_ESM = """
export default {
  render({ model, el }) {
    el.style.display = "none";
    const go = () => {
      const scope = el.closest("." + model.get("scope_class"));
      const target = scope && scope.querySelector("." + model.get("target_class"));
      if (!target) return;
      const top = target.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight * 0.6) target.scrollIntoView({ block: "start" });
    };
    // after the page has drawn the new step
    const soon = () => requestAnimationFrame(() => requestAnimationFrame(go));
    model.on("change:count", soon);
    return () => model.off("change:count", soon);
  }
};
"""


class GridEvents(anywidget.AnyWidget):
    """Keys pressed while ``grid`` has the focus, and the row a click selected in it; and
    the grid's screens painted with one copy each (see ``batchBlits`` in the module).

    Put it anywhere inside the element with class ``scope_class``. Only the keys listed in
    ``keys`` are taken (kept from the grid and from JupyterLab's shortcuts); any other key
    does what it did. A click reports the row it selected, counted as the grid draws its rows
    (after any sort or filter made in its header), and that row's header as drawn.
    """

    _esm = _GRID_ESM
    grid = t.Instance(w.DOMWidget).tag(sync=True, **w.widget_serialization)
    taken = t.List(t.Unicode()).tag(sync=True)  # "keys" is a Widget attribute
    scope_class = t.Unicode().tag(sync=True)
    grid_class = t.Unicode().tag(sync=True)

    def __init__(self, grid: w.DOMWidget, keys: list[str], scope_class: str,
                 grid_class: str) -> None:
        super().__init__(grid=grid, taken=keys, scope_class=scope_class,
                         grid_class=grid_class)
        self._on_key: list[Callable[[str], Any]] = []
        self._on_row: list[Callable[[int, str | None], Any]] = []
        self.on_msg(self._handle)

    def on_key(self, fn: Callable[[str], Any]) -> None:
        self._on_key.append(fn)

    def on_row(self, fn: Callable[[int, str | None], Any]) -> None:
        """``fn(row, key)``: the row number and its row header as the page drew it (None
        when the page had not drawn it)."""
        self._on_row.append(fn)

    def _handle(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        """A message from the page (what a test sends to act as the page)."""
        if content.get("event") == "key":
            for on_key in self._on_key:
                on_key(str(content["key"]))
        elif content.get("event") == "row":
            key = content.get("key")
            for on_row in self._on_row:
                on_row(int(content["row"]), None if key is None else str(key))


class ScrollTo(anywidget.AnyWidget):
    """Scrolls the element with class ``target_class`` inside ``scope_class`` to the top of
    the window each time :meth:`scroll` is called, unless it is in the upper part already."""

    _esm = _SCROLL_ESM
    scope_class = t.Unicode().tag(sync=True)
    target_class = t.Unicode().tag(sync=True)
    count = t.Int(0).tag(sync=True)

    def __init__(self, scope_class: str, target_class: str) -> None:
        super().__init__(scope_class=scope_class, target_class=target_class)

    def scroll(self) -> None:
        self.count += 1
