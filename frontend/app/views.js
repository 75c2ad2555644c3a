// The markup lives in small files under views/, one per screen, so that no HTML file grows
// into a thousand-line wall. They are our own static files (never remote data) and are
// inserted once, before Alpine starts.

export async function loadViews(root = document) {
  const slots = [...root.querySelectorAll("[data-view]")];
  const texts = await Promise.all(
    slots.map(async (slot) => {
      const response = await fetch(`static/app/views/${slot.dataset.view}.html`);
      if (!response.ok) throw new Error(`view ${slot.dataset.view} answered ${response.status}`);
      return response.text();
    }),
  );
  slots.forEach((slot, index) => {
    const template = document.createElement("template");
    template.innerHTML = texts[index];
    slot.replaceWith(template.content);
  });
}
