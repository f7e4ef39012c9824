// hookd ui: what the page holds of the stream, shared by the feed, the stream and the router.

export const state = {
  records: [],               // newest last
  seen: new Set(),
  lastId: null,
  paused: false,
  pending: 0,                // records that arrived while paused (counted: the newest are kept)
  unrendered: [],            // records not yet drawn, or null: more than the feed shows, drawn anew
  sessionChanged: false,     // a record of the session shown arrived
  hosts: new Set(),
  hooks: new Set(),
  view: "live",
  oldestShown: null,
};
