"""Products named the way owners name them: matched to the catalogue, and an order planned for just those."""

from __future__ import annotations

import uuid

import pytest

from coach.core import Coach, Turn
from coach.tools.products import match_products
from storage.catalog.models import Product

CATALOGUE = [
    Product(sku=code, name=name)
    for code, name in [
        ("LAT", "Latte"),
        ("OAT", "Oat milk latte"),
        ("CRO", "Croissant"),
        ("BEA", "Coffee beans 250g"),
    ]
]


@pytest.mark.parametrize(
    ("wanted", "names"),
    [
        (["croissants"], ["Croissant"]),
        (["bags of coffee beans"], ["Coffee beans 250g"]),
        (["oat milk"], ["Oat milk latte"]),
        (["cro"], ["Croissant"]),
        (["lattes"], ["Latte", "Oat milk latte"]),
    ],
)
def test_owners_words_find_the_products_they_mean(wanted: list[str], names: list[str]) -> None:
    chosen, unknown = match_products(CATALOGUE, wanted)
    assert ([p.name for p in chosen], unknown) == (names, [])


def test_a_name_that_matches_nothing_is_reported_not_guessed() -> None:
    assert match_products(CATALOGUE, ["tea towels"]) == ([], ["tea towels"])


async def test_an_order_for_named_products_plans_just_those(
    offline_coach: Coach, demo_tenants: dict[str, uuid.UUID]
) -> None:
    reply = await offline_coach.answer(
        Turn(tenant_id=demo_tenants["demo-cafe"], text="how many croissants and scones should i be ordering?")
    )
    assert [c["name"] for c in reply.tool_calls] == ["optimize_inventory"]
    assert {row["sku"] for row in reply.results[0].table} == {"CRO", "SCN"}


async def test_an_order_for_a_product_the_business_does_not_sell_covers_everything_and_says_so(
    offline_coach: Coach, demo_tenants: dict[str, uuid.UUID]
) -> None:
    reply = await offline_coach.answer(
        Turn(tenant_id=demo_tenants["demo-cafe"], text="how many tea towels should i reorder?")
    )
    result = reply.results[0]
    assert len(result.table) == 16
    assert "no product called 'tea towels'" in result.notes[0]
    assert "tea towels" in reply.text
