// hookd ui: reading the UI's API.

export async function getJSON(url) {
  return (await answered(url)).json();
}

// The answer, its status checked: an envelope's text is read as it arrives (envelope.js).
export async function answered(url) {
  const res = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!res.ok) {
    // the API's errors are {"error": "<why>"} (Redis away, or not answering as Redis)
    const why = await res.json().then((body) => body.error || "", () => "");
    const err = new Error(`${url}: ${res.status}${why ? ` ${why}` : ""}`);
    err.status = res.status;
    err.retryAfter = Number(res.headers.get("retry-after")) || 0;  // a 429's seconds to wait
    throw err;
  }
  return res;
}
