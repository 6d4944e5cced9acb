"""The access walk of the API: every list is pulled with every role's token, then every record any token
listed is asked for by id with every other token. A token reads a record by id exactly when its own lists
show it (else 404), so no id, filter or cursor widens a scope (issue 20; the web's walk is
``tests/security/test_access_walk.py``)."""
from __future__ import annotations

from incubator.api.resources import resources

ROLES = ("admin", "manager", "manager_b", "founder", "founder_b", "partner")


def listed(api_get, token, name) -> set[int]:
    """The ids of every page of one list (403 for an area or role the token may not read: nothing)."""
    seen, cursor = set(), None
    while True:
        response = api_get(token, f"/api/v1/{name}", limit=2, **({"cursor": cursor} if cursor else {}))
        if response.status_code == 403:
            return seen
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen.update(item["id"] for item in body["items"])
        assert body["total"] == len(seen) or body["next_cursor"] is not None
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_every_token_reads_by_id_exactly_what_its_lists_show(app, api_zone, api_get):
    names = sorted(resources())
    views = {role: {name: listed(api_get, api_zone.tokens[role], name) for name in names} for role in ROLES}
    assert views["admin"]["reports"] and views["founder"]["reports"] < views["admin"]["reports"]
    for name in names:
        everyone = set().union(*(views[role][name] for role in ROLES))
        for role in ROLES:
            for record_id in sorted(everyone):
                status = api_get(api_zone.tokens[role], f"/api/v1/{name}/{record_id}").status_code
                expected = 200 if record_id in views[role][name] else 404
                assert status == expected, (role, name, record_id, status)
    # Tenants never see each other: the two founders and the two managers share no company's report.
    assert not views["founder"]["reports"] & views["founder_b"]["reports"]
    assert not views["manager"]["incubations"] & views["manager_b"]["incubations"]
