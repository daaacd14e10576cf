// Suggestion panels load after the page, from their own cached request, so the product and
// cart pages cost no more than before. Without JavaScript the page simply has no panel.
document.querySelectorAll("[data-recommendations]").forEach(async (slot) => {
  try {
    const response = await fetch(slot.dataset.recommendations, { credentials: "same-origin" });
    if (response.ok) slot.innerHTML = await response.text();
  } catch (error) {
    // Suggestions are a nicety: a failed request leaves the page as it is.
  }
});
