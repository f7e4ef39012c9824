// hookd ui: reading the UI's API.

export async function getJSON(url) {
  return (await answered(url)).json();
}

// The answer's text as sent (an envelope JSON.parse cannot take is shown as stored).
export async function getText(url) {
  return (await answered(url)).text();
}

async function answered(url) {
  const res = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!res.ok) {
    // the API's errors are {"error": "<why>"} (Redis away, or not answering as Redis)
    const why = await res.json().then((body) => body.error || "", () => "");
    throw new Error(`${url}: ${res.status}${why ? ` ${why}` : ""}`);
  }
  return res;
}
