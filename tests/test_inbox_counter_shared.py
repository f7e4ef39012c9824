"""Status requests that come together share one listing of each inbox, and each gets every count.

The first request to see a listing done dropped it from the shared table; a second request waiting
on the same listing then found no entry for the inbox and answered without its count, and building
the status raised KeyError (`control_request_failed`, seen as `hookd status` polled a starting hookd).
"""

from __future__ import annotations

import asyncio

from hookd.control.inbox_counter import InboxCounter


def test_requests_waiting_on_the_same_listing_each_get_every_inbox(tmp_path):
    inbox, spare = tmp_path / "inbox", tmp_path / "spare"
    inbox.mkdir()
    spare.mkdir()
    (inbox / "1-1-a.hookd").write_bytes(b"x")
    counter = InboxCounter([str(inbox), str(spare)])

    async def together():
        return await asyncio.gather(*(counter.counts() for _ in range(3)))

    for counted in asyncio.run(together()):
        assert counted == {str(inbox): {"events": 1}, str(spare): {"events": 0}}
    assert counter.running == {}, "a settled listing is not kept"
