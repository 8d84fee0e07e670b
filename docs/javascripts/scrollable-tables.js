// A table wider than the page scrolls sideways inside the wrapper Material gives it
// (.md-typeset__scrollwrap): make that wrapper focusable, so that a keyboard reader can
// reach it with Tab and scroll it with the arrow keys (axe-core: scrollable-region-focusable).
document$.subscribe(() => {
  for (const wrapper of document.querySelectorAll(".md-typeset__scrollwrap")) {
    if (wrapper.scrollWidth > wrapper.clientWidth) {
      wrapper.tabIndex = 0
    }
  }
})
