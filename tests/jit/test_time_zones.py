"""The time-zone picker offers canonical zones by region, the reader's own first."""

import re

from jit.clock import time_zone_names


def test_only_canonical_zones_may_be_chosen(app):
    names = time_zone_names()
    for current in ("Europe/Zagreb", "Europe/Amsterdam", "Europe/Kyiv", "America/New_York", "UTC"):
        assert current in names
    for alias in ("Europe/Kiev", "US/Eastern", "GB", "Etc/GMT+3", "Asia/Calcutta", "CET"):
        assert alias not in names
    assert 350 < len(names) < 450  # zone.tab's zones, not the 590-odd links and aliases


def test_the_account_page_groups_zones_with_the_readers_first(client, auth, make_user):
    auth.login(make_user(time_zone="Europe/Zagreb"))
    page = client.get("/account").get_data(as_text=True)
    select = page[page.index('<select id="time_zone"') : page.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups[0] == "Your time zone"
    assert {"Europe", "America", "Asia", "Africa", "Pacific"} <= set(groups)
    first = re.search(r"<option[^>]*>([^<]+)</option>", select)
    assert 'value="Europe/Zagreb"' in first.group(0)
    assert "selected" in first.group(0)
    assert first.group(1) == "Zagreb (Croatia)"
    assert select.count('value="Europe/Zagreb"') == 1
    assert 'value="Europe/Kiev"' not in select


def test_an_old_alias_is_refused(client, auth, make_user):
    user = make_user(time_zone="Europe/Amsterdam")
    auth.login(user)
    response = client.post("/account/time-zone", data={"time_zone": "Europe/Kiev"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert user.time_zone == "Europe/Amsterdam"
    assert client.post("/account/time-zone", data={"time_zone": "Europe/Kyiv"}).status_code == 302
    assert user.time_zone == "Europe/Kyiv"
