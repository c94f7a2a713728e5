// Progressive enhancements only: every page works without this file.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// Stacked table rows on a phone name each cell by its column (data-label, read by CSS).
for (const table of document.querySelectorAll("table.table")) {
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, index) => {
      if (!cell.hasAttribute("data-label") && heads[index]) {
        cell.setAttribute("data-label", heads[index]);
      }
    });
  }
}

// A tab bar wider than the screen fades at its edge until scrolled to the end.
for (const nav of document.querySelectorAll(".teamnav")) {
  const update = () => {
    nav.classList.toggle("is-scrollable", nav.scrollWidth > nav.clientWidth + 1);
    nav.classList.toggle("is-at-end", nav.scrollLeft + nav.clientWidth >= nav.scrollWidth - 1);
  };
  nav.addEventListener("scroll", update, { passive: true });
  window.addEventListener("resize", update);
  update();
}
